"""The file format: the sheets and their columns with the spellings a header may use, the choice
columns' values, the template's example rows, and the spelling-insensitive look-ups built from them."""

import re
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy

from places.models import Place, Unit

from ..models import HouseholdMember, Ownership, Role

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
BUILDINGS, UNITS, PEOPLE, HOUSEHOLDS, ROLES = "buildings", "units", "people", "households", "roles"
ORDER = [BUILDINGS, UNITS, PEOPLE, HOUSEHOLDS, ROLES]  # later sheets may use what earlier ones create
INSTRUCTION_SHEETS = {"说明", "instructions", "readme", "填写说明"}
COMMUNITY_KINDS = (Place.Kind.COMMUNITY, Place.Kind.VILLAGE)


# --- the file format -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    zh: str
    en: str
    label: object  # lazy, for pages
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()


_PLACE_COLUMNS = (
    Column("community", "社区", "community", ("社区名称", "社区/村", "村", "村居", "village")),
    Column("compound", "小区", "compound", ("小区名称", "楼盘")),
    Column("street", "街", "street", ("街名",)),
    Column("lane", "巷", "lane", ("巷名",)),
    Column("building", "楼栋", "building", ("楼栋名称", "楼号", "栋", "楼栋路径", "building path"), required=True),
)
_UNIT_COLUMN = Column("label", "房号", "unit", ("房间号", "门牌号", "unit number", "room number", "label"), required=True)
_NAME = Column("name", "姓名", "name", ("名字",))
_MOBILE = Column("mobile", "手机号", "mobile", ("手机", "手机号码", "联系电话", "电话", "mobile number", "phone"))

SHEETS = {
    BUILDINGS: SheetSpec(
        BUILDINGS,
        "楼栋",
        "buildings",
        gettext_lazy("Buildings"),
        (Column("community", "社区", "community", _PLACE_COLUMNS[0].aliases, required=True), *_PLACE_COLUMNS[1:]),
        ("楼栋表", "building"),
    ),
    UNITS: SheetSpec(
        UNITS,
        "房屋",
        "units",
        gettext_lazy("Units"),
        (
            *_PLACE_COLUMNS,
            _UNIT_COLUMN,
            Column("kind", "类型", "kind", ("房屋类型", "用途", "type")),
            Column("floor", "楼层", "floor", ("层",)),
            Column("area", "面积", "area", ("专有部分面积", "专有面积", "area m2")),
            Column("area_source", "面积来源", "area source", ("面积依据",)),
            Column("developer_holding", "开发商持有", "developer holding", ("开发商",)),
        ),
        ("房屋表", "房号", "unit"),
    ),
    PEOPLE: SheetSpec(
        PEOPLE,
        "人员",
        "people",
        gettext_lazy("People"),
        (
            Column("name", "姓名", "name", ("名字",), required=True),
            _MOBILE,
            Column("id_number", "身份证号", "ID number", ("身份证", "身份证号码", "证件号码", "id")),
            Column("birth_year", "出生年份", "birth year", ("出生年",)),
            Column("migratory", "候鸟", "migratory", ("候鸟人员", "是否候鸟")),
        ),
        ("人员表", "居民", "person", "persons"),
    ),
    HOUSEHOLDS: SheetSpec(
        HOUSEHOLDS,
        "住户",
        "households",
        gettext_lazy("Households"),
        (
            _NAME,
            _MOBILE,
            *_PLACE_COLUMNS,
            _UNIT_COLUMN,
            Column("relation", "关系", "relation", ("与房屋关系", "身份"), required=True),
            Column("share", "产权份额", "ownership share", ("份额", "share")),
            Column("status", "产权状态", "ownership status", ("status",)),
        ),
        ("住户表", "household"),
    ),
    ROLES: SheetSpec(
        ROLES,
        "角色",
        "roles",
        gettext_lazy("Role assignments"),
        (
            _NAME,
            Column("mobile", "手机号", "mobile", _MOBILE.aliases, required=True),
            Column("role", "角色", "role", ("职务",), required=True),
            Column("place", "地点", "place", ("负责区域", "范围"), required=True),
            Column("organisation", "组织", "organisation", ("所属组织", "物业公司", "organization", "company")),
        ),
        ("角色表", "role", "role assignments"),
    ),
}

# Choice columns: the stored value → the Chinese label written in exports, plus other spellings.
UNIT_KINDS = {
    "home": ("住宅", ("住房", "住家")),
    "shop": ("商铺", ("商业", "铺位", "店铺")),
    "parking": ("车位", ("停车位",)),
    "storage": ("储藏室", ("杂物房", "储物间")),
}
AREA_SOURCES = {
    "register": ("不动产登记", ("登记", "产权登记", "不动产登记簿", "产权证")),
    "survey": ("实测", ("测绘", "实测面积")),
    "contract": ("合同", ("购房合同", "买卖合同", "合同面积")),
}
HOLDINGS = {"": ("否", ("无", "不是")), "unsold": ("未售", ("开发商未售",)), "undelivered": ("已售未交付", ("未交付",))}
RELATIONS = {
    "owner": ("业主", ("产权人", "房主")),
    "co_owner": ("共有人", ("共同业主",)),
    "tenant": ("租户", ("租客", "承租人")),
    "family": ("家属", ("家庭成员", "亲属")),
}
STATUSES = {"registered": ("已登记", ("登记业主", "已办证")), "occupied_unregistered": ("已入住未登记", ("未登记", "未办证"))}
ROLE_NAMES = {
    Role.BUILDING_LEADER: ("楼长", ()),
    Role.LANE_LEADER: ("巷长", ()),
    Role.STREET_LEADER: ("街长", ()),
    Role.COMMUNITY_STAFF: ("社区工作人员", ("社工", "社区干部")),
    Role.SUBDISTRICT_ADMIN: ("街道管理员", ()),
    Role.PROPERTY_STAFF: ("物业人员", ("物业", "物业工作人员")),
    Role.OWNERS_COMMITTEE: ("业委会委员", ("业委会成员", "业委会")),
    Role.MEDIATOR: ("调解员", ("人民调解员",)),
    Role.VOLUNTEER: ("志愿者", ()),
}
BOOLEANS = {True: ("是", ("y", "yes", "true", "1", "√", "✓", "候鸟")), False: ("否", ("n", "no", "false", "0", "×"))}
CHOICES_OF = {  # column key → (table, model choices for English labels)
    "kind": (UNIT_KINDS, Unit.Kind),
    "area_source": (AREA_SOURCES, Unit.AreaSource),
    "developer_holding": (HOLDINGS, Unit.DeveloperHolding),
    "relation": (RELATIONS, HouseholdMember.Relation),
    "status": (STATUSES, Ownership.Status),
    "role": (ROLE_NAMES, Role),
    "migratory": (BOOLEANS, None),
}

EXAMPLES = {
    BUILDINGS: {"community": "示例社区", "compound": "示例小区", "building": "1栋"},
    UNITS: {
        "community": "示例社区",
        "compound": "示例小区",
        "building": "1栋",
        "label": "101",
        "kind": "住宅",
        "floor": "1",
        "area": "89.35",
        "area_source": "不动产登记",
        "developer_holding": "否",
    },
    PEOPLE: {
        "name": "张示例",
        "mobile": "13800000000",
        "id_number": "11010519491231002X",
        "birth_year": "1949",
        "migratory": "否",
    },
    HOUSEHOLDS: {
        "name": "张示例",
        "mobile": "13800000000",
        "community": "示例社区",
        "compound": "示例小区",
        "building": "1栋",
        "label": "101",
        "relation": "业主",
        "share": "1",
        "status": "已登记",
    },
    ROLES: {"name": "张示例", "mobile": "13800000000", "role": "楼长", "place": "示例社区/示例小区/1栋"},
}


def _norm(text) -> str:
    """Spelling-insensitive key: no brackets or units, spaces, dashes, underscores; lower case."""
    text = re.sub(r"[（(【\[].*?[)）】\]]", "", str(text))
    return re.sub(r"[\s_\-*:：·.、/／]+", "", text).lower()


def _header_index(spec: SheetSpec) -> dict[str, str]:
    index = {}
    for col in spec.columns:
        for name in (col.key, col.zh, col.en, *col.aliases):
            index.setdefault(_norm(name), col.key)
    return index


def _sheet_index() -> dict[str, str]:
    return {_norm(n): kind for kind, spec in SHEETS.items() for n in (kind, spec.zh, spec.en, *spec.aliases)}


def _choice_index(key: str) -> dict[str, object]:
    table, choices = CHOICES_OF[key]
    index: dict[str, object] = {}
    for value, (zh, aliases) in table.items():
        for name in (zh, *aliases):
            index[_norm(name)] = value
        if isinstance(value, str) and value:
            index[_norm(value)] = value
    if choices is not None:
        for value, label in choices.choices:
            index.setdefault(_norm(str(label)), value)  # in the current language
            with translation.override("en"):
                index.setdefault(_norm(str(label)), value)
    return index


def choice_label(key: str, value) -> str:
    """The Chinese label of a stored choice value, as written in exports and the template."""
    table, _choices = CHOICES_OF[key]
    return table[value][0] if value in table else str(value or "")


def sheet_help() -> list[dict]:
    """Sheets and their columns, for the upload page."""
    return [
        {
            "kind": kind,
            "label": SHEETS[kind].label,
            "zh": SHEETS[kind].zh,
            "columns": [(c.zh, c.en, c.required) for c in SHEETS[kind].columns],
        }
        for kind in ORDER
    ]


def sheet_choices() -> list[tuple[str, object]]:
    return [(kind, SHEETS[kind].label) for kind in ORDER]
