"""The categories of the article (乱扔垃圾, 高空抛物, 电动车上楼道, 占用公共空间堆放杂物, 宠物粪便/不文明养犬,
噪音扰民, 供水管道老化爆裂) and the usual others. Community staff and administrators change them later."""

from django.db import migrations

# code, name, English, handler kind, request kind, public, response hours, order
CATEGORIES = [
    ("littering", "乱扔垃圾", "Littering", "property_company", "complaint", True, 24),
    ("thrown-from-height", "高空抛物", "Objects thrown from height", "property_company", "report", True, 12),
    ("ebike-in-corridor", "电动车上楼道、楼道充电", "E-bikes taken upstairs or charged in corridors", "property_company", "report", True, 12),
    ("clutter", "占用公共空间堆放杂物", "Clutter in shared space", "property_company", "complaint", True, 24),
    ("pets", "宠物粪便、不文明养犬", "Pet waste, uncivil dog keeping", "mutual_aid", "complaint", True, 24),
    ("noise", "噪音扰民", "Noise", "residents_committee", "complaint", False, 24),
    ("water-pipes", "供水管道老化、爆裂", "Water pipes ageing or burst", "property_company", "help", True, 4),
    ("facilities", "公共设施损坏", "Damaged facilities", "property_company", "help", True, 24),
    ("greening", "绿化养护", "Greening", "property_company", "suggestion", True, 24),
    ("fire-safety", "消防安全隐患", "Fire-safety hazard", "property_company", "report", True, 4),
    ("security", "治安问题", "Security", "residents_committee", "report", False, 12),
    ("dispute", "邻里纠纷", "Dispute between neighbours", "residents_committee", "dispute", False, 24),
    ("inquiry", "政策咨询", "Inquiry", "residents_committee", "inquiry", False, 24),
    ("emergency", "紧急情况（火情、急病、人身危险）", "Emergency (fire, illness, danger to life)", "residents_committee", "emergency", False, 1),
    ("other", "其他", "Other", "residents_committee", "help", False, 24),
]

WATER_QUESTIONS = [
    {
        "code": "still_leaking",
        "description": "现在还在漏水吗？ / Is water still leaking?",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [{"key": "yes", "name": "是 / yes"}, {"key": "no", "name": "否 / no"}],
    },
    {"code": "floor", "description": "在几楼？ / Which floor?", "datatype": "number", "required": False, "values": []},
]


def seed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for order, (code, name, name_en, handler, kind, public, hours) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "handler_kind": handler,
                "request_kind": kind,
                "is_public": public,
                "response_hours": hours,
                "order": order * 10,
                "attributes": WATER_QUESTIONS if code == "water-pipes" else [],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
