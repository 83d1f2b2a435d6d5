"""The two questionnaires shipped ready to use: 工会组建十问 for enterprise meetings and a worker needs
survey for worker meetings. A union copies one into its own questionnaires and may then edit it."""

from gonghui.meetings.actions import QuestionSpec
from gonghui.meetings.models import MeetingKind, QuestionKind

YES_NO = ["是", "否"]

ESTABLISHMENT_TEN = [
    QuestionSpec(QuestionKind.NUMBER, "贵单位目前在岗职工有多少人？", required=True),
    QuestionSpec(
        QuestionKind.SINGLE, "贵单位是否已经建立工会组织？", ["已建立", "正在筹备", "尚未建立"], required=True
    ),
    QuestionSpec(
        QuestionKind.SINGLE,
        "贵单位的上级公司或原所属集团是否已有工会？",
        ["有，且覆盖本单位职工", "有，但不覆盖本单位", "没有", "不清楚"],
        required=True,
    ),
    QuestionSpec(
        QuestionKind.MULTIPLE,
        "贵单位职工队伍有哪些特点？（可多选）",
        ["流动性大", "外地职工多", "青年职工多", "女职工多", "劳务派遣或外包人员多", "分散在多个项目或门店"],
    ),
    QuestionSpec(
        QuestionKind.SINGLE,
        "企业管理层对建立工会的态度是？",
        ["支持，希望尽快建会", "愿意了解后再决定", "有顾虑", "暂不考虑"],
        required=True,
    ),
    QuestionSpec(
        QuestionKind.MULTIPLE,
        "对建会有哪些顾虑？（可多选）",
        [
            "担心增加成本（工会经费）",
            "担心影响企业管理",
            "不了解建会程序",
            "职工人数少，不知能否单独建会",
            "其他",
        ],
        show_if_position=5,
        show_if_choice="有顾虑",
    ),
    QuestionSpec(
        QuestionKind.MULTIPLE,
        "贵单位最希望工会提供哪些服务？（可多选）",
        [
            "会员互助服务卡与二次报销",
            "职工之家（母婴室、职工书屋等）建设经费",
            "职工技能培训",
            "法律咨询与劳动关系指导",
            "与地区优质资源对接、品牌推广",
            "职工文体活动",
        ],
        required=True,
    ),
    QuestionSpec(QuestionKind.SINGLE, "是否有职工曾向企业提出加入工会的要求？", YES_NO),
    QuestionSpec(
        QuestionKind.SINGLE,
        "贵单位是否愿意签署建会意向书？",
        ["愿意", "需要内部研究", "暂不愿意"],
        required=True,
    ),
    QuestionSpec(QuestionKind.TEXT, "对区、街道工会还有哪些意见和建议？"),
]

WORKER_NEEDS = [
    QuestionSpec(QuestionKind.SINGLE, "您目前是否为工会会员？", ["是", "否", "不清楚"], required=True),
    QuestionSpec(
        QuestionKind.SINGLE,
        "您是否愿意加入工会？",
        ["愿意，今天就办理", "愿意，想先了解一下", "暂不考虑"],
        show_if_position=1,
        show_if_choice="否",
    ),
    QuestionSpec(
        QuestionKind.MULTIPLE,
        "您最需要工会提供哪些服务？（可多选）",
        [
            "医疗互助与二次报销",
            "法律援助（欠薪、工伤等）",
            "技能培训",
            "子女教育与托管",
            "健康体检",
            "文体活动",
            "免费理发等便民服务",
        ],
        required=True,
    ),
    QuestionSpec(QuestionKind.SINGLE, "您的用工形式是？", ["劳动合同制", "劳务派遣", "灵活就业", "其他"]),
    QuestionSpec(QuestionKind.SINGLE, "您是否为外地来京务工人员？", YES_NO),
    QuestionSpec(QuestionKind.RATING, "您对今天沟通会的满意程度（1～5分）", required=True),
    QuestionSpec(QuestionKind.TEXT, "您还有什么想对工会说的？"),
]

# key -> (title, description, meant for kind, questions)
TEMPLATES: dict[str, tuple[str, str, str, list[QuestionSpec]]] = {
    "establishment_ten": (
        "工会组建十问",
        "企业沟通会上与企业管理层逐项了解建会条件、顾虑与服务需求。",
        MeetingKind.ENTERPRISE,
        ESTABLISHMENT_TEN,
    ),
    "worker_needs": (
        "职工需求调查",
        "职工沟通会上了解职工的入会意愿与服务需求。",
        MeetingKind.WORKER,
        WORKER_NEEDS,
    ),
}
