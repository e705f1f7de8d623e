"""The fixed facts behind ``manage.py seed_demo``: Guicheng's communities, the compounds and venues the
2021-02-03 珠江时报 article names, the organisations' proportions, name lists, and the demo sign-ins.

Sources: the seed article (/work/shared/seeds) and DOMAIN-RULES §6. Where the article names a
compound or venue without its community, the mapping below is a guess and says so. Every person in
the demo is generated: people named in the article (the 街坊会 chair, the property manager, party
secretaries, the mediation studio's director) are not recreated, so no real person is given a made-up
phone number, home or ID number.
"""

from dataclasses import dataclass
from datetime import date

# --- the article's figures (what stats.figures must compute from the seeded data) ---------------

ARTICLE_FIGURES = {
    "communities": 23,
    "venues": 28,
    "building_leaders": 1333,
    "party_members": 828,
    "mutual_aid_associations": 36,
    "self_governing_groups": 72,
    "cultural_associations": 73,
    "self_organisations": 245,
    "property_companies": 102,
}
# 245 self-organisations = 73 cultural associations + the rest (sports teams, volunteer squads…).
OTHER_SELF_ORGANISATIONS = ARTICLE_FIGURES["self_organisations"] - ARTICLE_FIGURES["cultural_associations"]

# Ages and "lived here since" dates are computed against this year, so the same seed gives the same
# data whenever it runs.
REFERENCE_YEAR = 2026

# --- demo sign-ins ------------------------------------------------------------------------------

DEMO_PASSWORD = "linli-demo-2026"  # noqa: S105  (public on purpose: printed, in the README)
# Fixed so the README, the e2e tests and a person trying the demo can rely on them. 138 0013 8xxx is
# a valid mainland mobile range (phonenumbers agrees); the generator never hands these out.
DEMO_ACCOUNTS = [
    {"key": "resident", "role": "居民 Resident", "name": "林嘉慧", "mobile": "13800138001"},
    {"key": "building_leader", "role": "楼长 Building leader", "name": "梁志坚", "mobile": "13800138002"},
    {"key": "property_staff", "role": "物业 Property staff (中铁建物业)", "name": "何俊峰", "mobile": "13800138003"},
    {"key": "community_staff", "role": "社区工作人员 Community staff (灯湖社区)", "name": "陈慧敏", "mobile": "13800138004"},
    {"key": "subdistrict_admin", "role": "街道管理员 Sub-district administrator", "name": "冯国栋", "mobile": "13800138005"},
]
DEMO_BY_KEY = {a["key"]: a for a in DEMO_ACCOUNTS}
# Where the demo resident and the building leader live (中铁建水岸公馆 4栋; floor 2 is the venue).
DEMO_BUILDING = ("中铁建水岸公馆", "4栋")
DEMO_RESIDENT_UNIT = "1202"
DEMO_LEADER_UNIT = "801"
DEMO_COMPANY = "中铁建物业"

# --- the place tree -----------------------------------------------------------------------------

SUBDISTRICT = {"name": "桂城街道", "code": "440605011", "address": "佛山市南海区南港大道"}


@dataclass(frozen=True)
class CommunitySpec:
    name: str
    code: str  # 12-digit statistical code where DOMAIN-RULES §6.2 gives it, else ""
    compounds: int  # how many compounds the demo puts here (named ones included)
    self_governing: int  # of which without a property company (自治小组)


def _code(suffix: str) -> str:
    return f"{SUBDISTRICT['code']}{suffix}" if suffix else ""


# 23 urban communities (the article's "23个城市社区"). Old-town communities have more small
# self-governing compounds; the newer ones around 千灯湖 are almost all property-managed.
# 桂一社区 has 15 compounds (DOMAIN-RULES §6.3). Compound totals: 195, of which 72 self-governing.
COMMUNITIES = [
    CommunitySpec("桂一社区", _code("001"), 15, 8),
    CommunitySpec("桂二社区", "", 10, 5),
    CommunitySpec("桂三社区", "", 10, 5),
    CommunitySpec("叠二社区", _code("004"), 8, 3),
    CommunitySpec("花苑社区", _code("005"), 8, 3),
    CommunitySpec("育才社区", "", 9, 4),
    CommunitySpec("桂雅社区", _code("007"), 8, 3),
    CommunitySpec("桂园社区", _code("008"), 8, 3),
    CommunitySpec("南桂社区", "", 10, 5),
    CommunitySpec("大圩社区", _code("010"), 10, 5),
    CommunitySpec("江滨社区", _code("011"), 8, 2),
    CommunitySpec("江南名居社区", _code("015"), 6, 0),
    CommunitySpec("翠颐社区", _code("016"), 7, 1),
    CommunitySpec("灯湖社区", _code("020"), 6, 0),
    CommunitySpec("东二社区", _code("025"), 8, 2),
    CommunitySpec("怡海社区", _code("048"), 7, 1),
    CommunitySpec("桂花社区", _code("046"), 7, 2),
    CommunitySpec("桂南社区", _code("047"), 8, 3),
    CommunitySpec("同德社区", "", 8, 3),
    CommunitySpec("大德社区", _code("043"), 8, 3),
    CommunitySpec("凤鸣社区", _code("044"), 8, 3),
    CommunitySpec("中区社区", _code("038"), 9, 4),
    CommunitySpec("东区社区", _code("039"), 9, 4),
]


@dataclass(frozen=True)
class VillageSpec:
    name: str
    code: str
    stem: str  # prefix of its street names
    streets: tuple[str, ...]


# Village-derived communities (村改居), organised 街 → 巷 → 楼 with street and lane leaders.
# 叠南社区 is here because the article's 叠南市场党建阵地 stands in it (DOMAIN-RULES §6.3).
VILLAGES = [
    VillageSpec("叠南社区", _code("027"), "叠南", ("大街", "东街", "西街")),
    VillageSpec("石肯社区", _code("026"), "石肯", ("大街", "北街")),
    VillageSpec("平东社区", _code("029"), "平东", ("大街", "南街")),
    VillageSpec("夏西村", _code("217"), "夏西", ("大街", "新街", "东街")),
]
LANE_NUMERALS = ["一", "二", "三", "四"]


@dataclass(frozen=True)
class CompoundSpec:
    name: str
    community: str
    management: str  # a Place.Management value
    built: int
    buildings: int | None = None
    floors: int | None = None
    per_floor: int | None = None
    homes: int | None = None  # exact number of homes, where a source gives it
    migratory: float | None = None  # share of households that are 候鸟 (live here part of the week)
    household_size: float | None = None  # mean persons per household, where a source gives it
    owners_committee: bool = False
    company: str = ""  # the property company, where the article names it


PROPERTY = "property_company"
SELF_GOVERNING = "self_governing"

# Compounds the article or DOMAIN-RULES name. "guess" = the community is not in our sources.
NAMED_COMPOUNDS = [
    # Confirmed: 灯湖社区; about 3 years old in 2021; 70% of residents are 广佛候鸟.
    CompoundSpec(
        "中铁建水岸公馆", "灯湖社区", PROPERTY, 2018, buildings=8, floors=18, per_floor=2, migratory=0.72, company=DEMO_COMPANY
    ),
    # DOMAIN-RULES §6.3: 桂一社区, built 1990, 7 storeys, 209 households (~700 residents); the property
    # company left in 2006, residents run it with building leaders and a self-governing group.
    CompoundSpec(
        "桂南小区", "桂一社区", SELF_GOVERNING, 1990, buildings=10, floors=7, per_floor=3, homes=209, household_size=3.35
    ),
    # The article: an owners' committee member has lived in 御景苑 (同德社区) for nearly 20 years.
    CompoundSpec("御景苑", "同德社区", PROPERTY, 2001, owners_committee=True),
    # "叠二名苑小区" in the article puts 名苑小区 in 叠二社区; it has high-rise lobbies.
    CompoundSpec("名苑小区", "叠二社区", PROPERTY, 1999, floors=11, owners_committee=True),
    # Confirmed: "花苑社区鹿璟村“创熟”加油站"; 鹿璟村 is a compound with an owners' committee.
    CompoundSpec("鹿璟村", "花苑社区", PROPERTY, 2009, owners_committee=True),
    CompoundSpec("叠翠花园", "叠二社区", PROPERTY, 1998, owners_committee=True),  # guess
    CompoundSpec("怡翠花园", "怡海社区", PROPERTY, 2003, owners_committee=True),  # guess
    CompoundSpec("金域城东花园", "东二社区", PROPERTY, 2013),  # guess
    CompoundSpec("依岸康堤", "江滨社区", PROPERTY, 2006, owners_committee=True),  # guess
    CompoundSpec("康怡丽苑", "桂花社区", PROPERTY, 2004, owners_committee=True),  # guess
    CompoundSpec("金色家园", "桂园社区", PROPERTY, 2002, owners_committee=True),  # guess
    CompoundSpec("金色诚悦", "桂园社区", PROPERTY, 2010),  # guess
    CompoundSpec("利海尖东半岛花园", "江滨社区", PROPERTY, 2008),  # guess
]

# Roads for compound addresses (real roads of 桂城; the house numbers are made up).
ROADS = [
    "南海大道",
    "桂澜路",
    "南桂东路",
    "南桂西路",
    "海八路",
    "海五路",
    "海四路",
    "灯湖东路",
    "灯湖西路",
    "桂平路",
    "南港路",
    "佛平路",
    "石龙路",
    "天佑路",
    "永胜路",
    "宝石路",
    "文华路",
    "桂和路",
    "南新路",
    "锦园路",
]

# Names for the generated compounds. Old compounds without a property company are mostly former
# work-unit dormitories (单位宿舍) and 1980s–90s 新村; newer ones carry estate-style names.
DORMITORY_UNITS = [
    "供销社",
    "粮食局",
    "交通局",
    "教育局",
    "卫生局",
    "邮电局",
    "电力局",
    "水利局",
    "税务所",
    "农机厂",
    "纺织厂",
    "电器厂",
    "化工厂",
    "糖厂",
    "印刷厂",
    "造纸厂",
    "五金厂",
    "食品厂",
    "外贸局",
    "建筑公司",
    "人民医院",
    "中医院",
    "物资局",
    "百货公司",
    "航运公司",
    "汽车站",
    "农业银行",
    "工商银行",
    "建设银行",
    "信用社",
    "文化局",
    "商业局",
]
OLD_STEMS = [
    "桂江",
    "东华",
    "永安",
    "富华",
    "文华",
    "兴华",
    "德胜",
    "人民",
    "建设",
    "新桂",
    "平安",
    "荷苑",
    "桂香",
    "西约",
    "东约",
    "北约",
    "南约",
    "桂和",
    "桂平",
    "海景",
    "光明",
    "红星",
    "胜利",
    "和平",
    "朝阳",
    "向阳",
    "团结",
    "新华",
]
OLD_SUFFIXES = ["新村", "小区", "大院"]
ESTATE_STEMS = [
    "锦绣",
    "翠湖",
    "碧水",
    "雅苑",
    "嘉园",
    "海逸",
    "君汇",
    "金湖",
    "星汇",
    "荔园",
    "南湖",
    "东湖",
    "凯旋",
    "万景",
    "星河",
    "怡景",
    "天悦",
    "尚景",
    "汇景",
    "逸翠",
    "翠林",
    "泓景",
    "丽日",
    "丰景",
    "景湖",
    "康城",
    "悦湖",
    "明珠",
    "桂澜",
    "千灯",
    "南国",
    "颐和",
    "锦园",
    "东方",
    "金海",
    "帝景",
    "凤凰",
    "玉兰",
    "桂林",
    "映月",
    "澜湾",
    "君悦",
    "御湖",
]
ESTATE_SUFFIXES = ["花园", "华庭", "豪庭", "名苑", "雅苑", "公馆", "广场", "湾", "轩", "居"]

# Property companies: 中铁建物业 (named in the article) and 101 more from these stems.
COMPANY_STEM_FIRST = "桂粤南锦汇恒华和万信嘉宏新泰丰永德盛安康"
COMPANY_STEM_SECOND = "华信达盛景城业泰安和丰源诚美佳通"
COMPANY_PATTERNS = ["佛山市南海区{}物业管理有限公司", "佛山市{}物业服务有限公司", "广东{}物业管理有限公司"]

# --- venues -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VenueSpec:
    name: str
    community: str
    compound: str  # "" when the venue belongs to the community itself
    location: str
    floor_area: int
    opened_on: date
    functions: tuple[str, ...]
    rooms: tuple[tuple[str, str, int], ...]  # (name, function, capacity)
    description: str = ""


_PARTY_ROOMS = (("党员活动室", "party_building", 30), ("居民议事厅", "deliberation_hall", 40))
_STATION_ROOMS = (
    ("党员活动室", "party_building", 30),
    ("居民议事厅", "deliberation_hall", 40),
    ("共享书屋", "book_corner", 25),
    ("活动室", "activity_room", 60),
)

# The 15 new 党建阵地 the article lists ("桂城新增15个党建阵地"), opened 2020 – January 2021.
ARTICLE_VENUES = [
    VenueSpec(
        "叠翠花园党建阵地",
        "叠二社区",
        "叠翠花园",
        "会所一楼",
        120,
        date(2020, 9, 18),
        ("party_building", "deliberation_hall"),
        _PARTY_ROOMS,
    ),
    VenueSpec(
        "叠南市场党建阵地",
        "叠南社区",
        "",
        "叠南市场二楼",
        90,
        date(2020, 10, 12),
        ("party_building",),
        (("党员活动室", "party_building", 30), ("便民服务点", "activity_room", 15)),
    ),
    VenueSpec(
        "花苑广场街坊会",
        "花苑社区",
        "",
        "花苑广场东侧",
        150,
        date(2020, 8, 8),
        ("neighbourhood_association", "activity_room"),
        (("街坊会议事室", "neighbourhood_association", 30), ("活动室", "activity_room", 60)),
    ),
    VenueSpec(
        "利海尖东半岛花园街坊会",
        "江滨社区",
        "利海尖东半岛花园",
        "会所二楼",
        110,
        date(2020, 11, 6),
        ("neighbourhood_association", "deliberation_hall"),
        (("街坊会议事室", "neighbourhood_association", 30), ("居民议事厅", "deliberation_hall", 40)),
    ),
    VenueSpec(
        "江滨社区党建阵地",
        "江滨社区",
        "",
        "江滨社区党群服务中心一楼",
        200,
        date(2020, 7, 1),
        ("party_building", "deliberation_hall", "activity_room"),
        _STATION_ROOMS,
    ),
    VenueSpec(
        "金色诚悦党建阵地", "桂园社区", "金色诚悦", "1栋首层架空层", 100, date(2020, 10, 28), ("party_building",), _PARTY_ROOMS
    ),
    VenueSpec("金色家园党建阵地", "桂园社区", "金色家园", "会所一楼", 100, date(2020, 11, 20), ("party_building",), _PARTY_ROOMS),
    VenueSpec("康怡丽苑党建阵地", "桂花社区", "康怡丽苑", "3栋首层", 90, date(2020, 12, 4), ("party_building",), _PARTY_ROOMS),
    VenueSpec(
        "鹿璟村“创熟”加油站",
        "花苑社区",
        "鹿璟村",
        "会所一楼",
        300,
        date(2021, 1, 22),
        ("party_building", "deliberation_hall", "neighbourhood_association", "book_corner"),
        _STATION_ROOMS,
        "花苑社区以文艺活动为纽带培育社团，搭建协商共治议事平台。",
    ),
    VenueSpec(
        "鹿璟村业委会党建阵地",
        "花苑社区",
        "鹿璟村",
        "业委会办公室",
        60,
        date(2020, 12, 18),
        ("party_building", "deliberation_hall"),
        (("业委会议事室", "deliberation_hall", 20),),
    ),
    VenueSpec("依岸康堤党建阵地", "江滨社区", "依岸康堤", "会所一楼", 100, date(2020, 9, 25), ("party_building",), _PARTY_ROOMS),
    VenueSpec("怡翠花园党建阵地", "怡海社区", "怡翠花园", "2栋首层", 100, date(2020, 10, 16), ("party_building",), _PARTY_ROOMS),
    VenueSpec(
        "中铁建水岸公馆“创熟”加油站",
        "灯湖社区",
        "中铁建水岸公馆",
        "4栋二层（原规划为社区用房）",
        800,
        date(2021, 1, 28),
        ("party_building", "deliberation_hall", "youth", "neighbourhood_association", "book_corner"),
        (
            ("党员活动室", "party_building", 40),
            ("居民议事厅", "deliberation_hall", 60),
            ("共享书屋", "book_corner", 40),
            ("活动室", "activity_room", 80),
            ("青年之家", "youth", 30),
            ("街坊会办公室", "neighbourhood_association", 12),
        ),
        "集小区党建、居民议事厅、团组织自治和街坊会建设于一体；物业公司投入20万元规划建设。",
    ),
    VenueSpec(
        "名苑小区党建阵地", "叠二社区", "名苑小区", "1栋首层大堂旁", 90, date(2020, 11, 27), ("party_building",), _PARTY_ROOMS
    ),
    VenueSpec(
        "金域城东花园“创熟”加油站",
        "东二社区",
        "金域城东花园",
        "会所二楼",
        260,
        date(2021, 1, 15),
        ("party_building", "deliberation_hall", "book_corner"),
        _STATION_ROOMS,
    ),
]
# Two more we can place from DOMAIN-RULES; the remaining 11 of the 28 go to generated compounds.
EXTRA_VENUES = [
    VenueSpec(
        "桂南小区党建阵地",
        "桂一社区",
        "桂南小区",
        "5栋首层（原自行车棚）",
        60,
        date(2019, 6, 28),
        ("party_building", "deliberation_hall"),
        (("自治小组议事室", "deliberation_hall", 20),),
        "自治小组与楼长在此商议小区卫生、照明和停车管理。",
    ),
    VenueSpec(
        "御景苑党建阵地",
        "同德社区",
        "御景苑",
        "会所一楼",
        100,
        date(2019, 11, 8),
        ("party_building", "activity_room"),
        _PARTY_ROOMS,
    ),
]
VENUE_TOTAL = ARTICLE_FIGURES["venues"]
OPENING_HOURS = ["周二至周日 9:00–21:00", "每日 8:30–12:00，14:30–21:30", "周一至周五 9:00–18:00，周末 9:00–21:00"]

# --- organisations ------------------------------------------------------------------------------

SUBDISTRICT_OFFICE = "桂城街道办事处"
MEDIATION_COMMITTEE = "桂城街道物业管理纠纷调解人民委员会"
MEDIATION_DESCRIPTION = "下设苏志敏创熟调解工作室，调解物业管理纠纷；“创熟”调解工作室获司法部授予“全国模范人民调解委员会”称号。"
# Cultural associations: each community has the three the article names; four have one more.
CULTURAL_BASE = ["舞蹈队", "合唱队", "书画协会"]
CULTURAL_EXTRA = ["醒狮队", "醒狮队", "粤曲社", "粤曲社"]
# Other self-organisations: seven in every community, eleven more here and there.
SELF_ORG_BASE = ["羽毛球队", "乒乓球队", "青年志愿服务队", "读书会", "亲子成长营", "环保志愿小队", "长者互助小组"]
SELF_ORG_EXTRA = [
    "篮球队",
    "篮球队",
    "篮球队",
    "篮球队",
    "跑步团",
    "跑步团",
    "跑步团",
    "文明养犬小组",
    "文明养犬小组",
    "园艺小组",
]
# The article: 灯湖社区 helped set up the "中铁建党员志愿服务队" (one of the eleven extras).
ZTJ_VOLUNTEERS = "中铁建党员志愿服务队"
# 怡海社区 set up a community-wide 街坊志愿互助会; the other 35 belong to compounds.
COMMUNITY_MUTUAL_AID = "怡海社区"

# Who joins which club (age range of members); anything not listed takes adults 18–80.
CLUB_AGES = {
    "舞蹈队": (40, 75),
    "合唱队": (40, 80),
    "书画协会": (45, 85),
    "醒狮队": (14, 40),
    "粤曲社": (50, 85),
    "羽毛球队": (18, 60),
    "乒乓球队": (18, 70),
    "篮球队": (16, 45),
    "跑步团": (20, 55),
    "青年志愿服务队": (18, 35),
    "亲子成长营": (28, 45),
    "长者互助小组": (60, 90),
}

SENSITIVE_NOTES = {
    "elderly_alone": ["独居，子女在广州工作", "独居，每周需探访", "独居，行动较慢", "独居，子女在外地"],
    "disability": ["肢体残疾，出行需轮椅", "视力残疾", "听力残疾，请发短信联系"],
    "health": ["慢性病，需定期探访", "术后康复中", "需定期上门测量血压"],
}

# --- names --------------------------------------------------------------------------------------

# Surnames with rough weights for Foshan (Cantonese surnames high; some of Guangxi and Hunan for
# the migrant population).
SURNAMES = [
    ("陈", 10),
    ("梁", 7),
    ("黄", 7),
    ("李", 6),
    ("何", 5),
    ("张", 4),
    ("林", 4),
    ("罗", 3),
    ("冯", 3),
    ("潘", 3),
    ("吴", 3),
    ("刘", 3),
    ("邓", 3),
    ("周", 2),
    ("王", 2),
    ("杨", 2),
    ("麦", 2),
    ("谭", 2),
    ("卢", 2),
    ("关", 2),
    ("区", 1.5),
    ("郭", 1.5),
    ("谢", 1.5),
    ("莫", 1.5),
    ("钟", 1.5),
    ("叶", 1.5),
    ("苏", 1.2),
    ("曾", 1.2),
    ("招", 1),
    ("伍", 1),
    ("霍", 1),
    ("邝", 1),
    ("崔", 1),
    ("杜", 1),
    ("赵", 1),
    ("胡", 1),
    ("徐", 1),
    ("孙", 1),
    ("朱", 1),
    ("马", 1),
    ("郑", 1),
    ("余", 1),
    ("廖", 0.8),
    ("高", 0.8),
    ("温", 0.8),
    ("彭", 0.8),
    ("蔡", 0.8),
    ("韦", 0.6),
    ("江", 0.6),
    ("方", 0.6),
    ("袁", 0.6),
    ("欧阳", 0.5),
    ("萧", 0.5),
    ("欧", 0.5),
    ("覃", 0.5),
    ("简", 0.4),
    ("岑", 0.4),
    ("庞", 0.4),
    ("汤", 0.4),
    ("龙", 0.4),
    ("戴", 0.4),
    ("严", 0.4),
    ("姚", 0.4),
    ("司徒", 0.3),
    ("植", 0.3),
    ("甘", 0.3),
    ("颜", 0.3),
    ("骆", 0.3),
    ("容", 0.3),
    ("邵", 0.3),
    ("傅", 0.3),
    ("蒙", 0.3),
]
# Given-name characters by generation and sex: born before 1965, 1965–1999, from 2000.
GIVEN_CHARS = {
    ("old", True): "国伟志建华明强荣德文根财炳锦棠添耀光福成振汉树林昌洪标坤辉兴发权培泉",
    ("old", False): "丽玉桂凤兰英芳珍霞燕群娟秀琼好彩银娣容莲爱惠金嫦妙婵笑淑少",
    ("mid", True): "俊杰浩健永志伟家嘉文耀锋斌峰勇军超海鹏明国智卫荣宇泽锐晖展诚铭",
    ("mid", False): "敏婷慧静丽燕玲洁琳妍欣嘉颖倩雯思晓珊芬红霞莹艳萍玉秀美婉瑜雪",
    ("young", True): "梓浩子轩宇睿俊熙晨铭泽博豪琛乐朗皓锦煜恒",
    ("young", False): "梓欣涵琪晴悦彤诗雨可馨琳嘉颖婷萱怡芊乐语",
}

# Mainland mobile prefixes the phonenumbers library accepts as mobile (154 is not allocated).
MOBILE_PREFIXES = [f"13{d}" for d in range(10)] + [f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)] + [f"18{d}" for d in range(10)]

# Region codes for the demo's ID numbers: Nanhai (old and new code), Chancheng, Shunde, Guangzhou
# Liwan, and home regions of migrants (Guangxi Nanning, Hunan Hengyang, Jiangxi Ganzhou, Sichuan Chengdu).
ID_REGIONS = ["440682", "440605", "440604", "440681", "440103", "450102", "430405", "360702", "510107"]
