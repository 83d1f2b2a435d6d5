"""Synthetic resident ID cards photographed the way phones photograph them: the project's own test set.

No real card image may be kept (PIPL: an ID image is sensitive personal information), so the tests, the
benchmark and the browser test draw cards: the layout of the second-generation card (85.6 x 54 mm, 人像面 and
国徽面), the WenQuanYi font Debian ships, random valid resident IDs and real Beijing street addresses, then
degraded as a phone degrades them. `easy` photos are a card held flat and sharp; `hard` ones add what real
photos at a worksite have: the card small on a cluttered desk, perspective, glare across the number, motion
blur, a thumb over a corner, the card turned 90 or 180 degrees, JPEG at quality 35-60, uneven light.
"""

import datetime
import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from stdnum.cn import ric

FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
CARD_SIZE = (856, 540)  # 10 px per millimetre

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国春贵玉兰志强海燕晓东红梅新民宏伟立春雪梅国宽丽娟文博子涵浩然欣怡"
ETHNIC_GROUPS = ["汉", "汉", "汉", "汉", "回", "满", "蒙古", "朝鲜", "土家", "壮", "苗"]
# Districts of Beijing with their resident-ID area codes and streets/towns that exist in them.
BEIJING_AREAS = [
    ("110101", "东城区", ["东华门街道", "景山街道", "和平里街道", "东直门街道"], "北京市公安局东城分局"),
    ("110102", "西城区", ["西长安街街道", "新街口街道", "月坛街道", "广安门内街道"], "北京市公安局西城分局"),
    ("110105", "朝阳区", ["建外街道", "呼家楼街道", "望京街道", "三里屯街道"], "北京市公安局朝阳分局"),
    ("110108", "海淀区", ["甘家口街道", "中关村街道", "学院路街道", "万寿路街道"], "北京市公安局海淀分局"),
    ("110112", "通州区", ["潞源街道", "永顺镇", "潞城镇", "梨园镇"], "北京市公安局通州分局"),
    ("110106", "丰台区", ["右安门街道", "卢沟桥街道", "方庄街道"], "北京市公安局丰台分局"),
    ("110114", "昌平区", ["回龙观街道", "天通苑北街道", "城北街道"], "北京市公安局昌平分局"),
]
ROADS = [
    "阜成路",
    "甘家口大街",
    "新华西街",
    "玉带河东街",
    "通胡大街",
    "建国路",
    "望京西路",
    "学院路",
    "车公庄大街",
]
COMMUNITIES = ["增光路社区", "北苑家园", "翠屏南里", "新华联家园", "玉桥西里", "万寿路甲", "天通东苑"]


@dataclass(frozen=True)
class CardPerson:
    name: str
    sex: str  # 男 / 女
    ethnicity: str
    birth_date: datetime.date
    address: str
    resident_id: str
    authority: str
    valid_from: datetime.date
    valid_until: datetime.date | None  # None: 长期


@dataclass(frozen=True)
class CardPhoto:
    person: CardPerson
    side: str  # "front" or "back"
    jpeg: bytes
    difficulty: str  # "easy" or "hard"
    notes: tuple[str, ...]


def font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    raise RuntimeError("The WenQuanYi font is missing (apt-get install fonts-wqy-microhei).")


def random_person(rng: random.Random, *, today: datetime.date | None = None) -> CardPerson:
    today = today or datetime.date.today()
    area_code, district, streets, authority = rng.choice(BEIJING_AREAS)
    birth = datetime.date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
    sex = rng.choice("男女")
    sequence = rng.randint(0, 99) * 10 + (
        rng.choice((1, 3, 5, 7, 9)) if sex == "男" else rng.choice((0, 2, 4, 6, 8))
    )
    body = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    resident_id = body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    address = (
        f"北京市{district}{rng.choice(streets)}{rng.choice(ROADS)}{rng.randint(1, 199)}号"
        f"{rng.choice(COMMUNITIES)}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 2405)}号"
    )
    issued = datetime.date(rng.randint(2008, 2025), rng.randint(1, 12), rng.randint(1, 28))
    age_at_issue = (issued - birth).days // 365
    years = 10 if age_at_issue < 26 else 20 if age_at_issue < 46 else None
    until = issued.replace(year=issued.year + years) if years else None
    return CardPerson(
        name=rng.choice(SURNAMES) + given,
        sex=sex,
        ethnicity=rng.choice(ETHNIC_GROUPS),
        birth_date=birth,
        address=address,
        resident_id=resident_id,
        authority=authority,
        valid_from=issued,
        valid_until=until,
    )


def _card_background(rng: random.Random) -> Image.Image:
    card = Image.new("RGB", CARD_SIZE, (236, 240, 238))
    draw = ImageDraw.Draw(card)
    # The guilloche-like wave pattern printed on the card: faint, but enough to trouble a binarising reader.
    for k in range(0, CARD_SIZE[1], 9):
        phase = rng.random() * 6
        points = [(x, k + 4 * math.sin(x / 37 + phase)) for x in range(0, CARD_SIZE[0], 8)]
        draw.line(points, fill=(214, 226, 230), width=1)
    return card


def draw_front(person: CardPerson) -> Image.Image:
    rng = random.Random(person.resident_id)
    card = _card_background(rng)
    draw = ImageDraw.Draw(card)
    label, value, number = font(26), font(30), font(36)
    blue = (40, 90, 150)
    draw.text((60, 50), "姓 名", font=label, fill=blue)
    draw.text((150, 46), person.name, font=value, fill=(20, 20, 20))
    draw.text((60, 110), "性 别", font=label, fill=blue)
    draw.text((150, 106), person.sex, font=value, fill=(20, 20, 20))
    draw.text((250, 110), "民 族", font=label, fill=blue)
    draw.text((340, 106), person.ethnicity, font=value, fill=(20, 20, 20))
    birth = person.birth_date
    draw.text((60, 170), "出 生", font=label, fill=blue)
    draw.text((150, 166), f"{birth.year}", font=value, fill=(20, 20, 20))
    draw.text((238, 170), "年", font=label, fill=blue)
    draw.text((280, 166), f"{birth.month}", font=value, fill=(20, 20, 20))
    draw.text((322, 170), "月", font=label, fill=blue)
    draw.text((364, 166), f"{birth.day}", font=value, fill=(20, 20, 20))
    draw.text((406, 170), "日", font=label, fill=blue)
    draw.text((60, 230), "住 址", font=label, fill=blue)
    per_line = 13
    lines = [person.address[i : i + per_line] for i in range(0, len(person.address), per_line)]
    for i, line in enumerate(lines[:4]):
        draw.text((150, 226 + 42 * i), line, font=value, fill=(20, 20, 20))
    draw.text((60, 450), "公民身份号码", font=label, fill=blue)
    draw.text((250, 444), " ".join([person.resident_id]), font=number, fill=(20, 20, 20))
    # The portrait: a grey silhouette where the photo is.
    draw.rectangle((590, 60, 800, 330), fill=(210, 214, 216))
    draw.ellipse((645, 95, 745, 210), fill=(150, 150, 155))
    draw.pieslice((610, 200, 780, 400), 180, 360, fill=(150, 150, 155))
    return card


def draw_back(person: CardPerson) -> Image.Image:
    rng = random.Random(person.resident_id + "back")
    card = _card_background(rng)
    draw = ImageDraw.Draw(card)
    draw.ellipse((60, 40, 190, 170), outline=(200, 40, 40), width=6)  # the national emblem's place
    draw.text((250, 60), "中华人民共和国", font=font(52), fill=(20, 20, 20))
    draw.text((260, 150), "居民身份证", font=font(64), fill=(20, 20, 20))
    label, value = font(26), font(30)
    draw.text((150, 370), "签发机关", font=label, fill=(20, 20, 20))
    draw.text((300, 366), person.authority, font=value, fill=(20, 20, 20))
    until = f"{person.valid_until:%Y.%m.%d}" if person.valid_until else "长期"
    draw.text((150, 440), "有效期限", font=label, fill=(20, 20, 20))
    draw.text((300, 436), f"{person.valid_from:%Y.%m.%d}-{until}", font=value, fill=(20, 20, 20))
    return card


def _clutter(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A desk: wood-ish tone, papers, a pen, printed text that is not the card's."""
    base = tuple(rng.randint(90, 170) for _ in range(3))
    desk = Image.new("RGB", size, base)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(desk)
    for _ in range(40):
        x, y = rng.randint(0, size[0]), rng.randint(0, size[1])
        tone = tuple(max(0, min(255, c + rng.randint(-30, 30))) for c in base)
        draw.line(
            (x, y, x + rng.randint(-300, 300), y + rng.randint(-20, 20)), fill=tone, width=rng.randint(1, 5)
        )
    for _ in range(rng.randint(1, 3)):  # a receipt with text on it
        x, y = rng.randint(0, size[0] - 200), rng.randint(0, size[1] - 120)
        draw.rectangle((x, y, x + 220, y + 140), fill=(245, 245, 240))
        draw.text((x + 10, y + 10), f"收据 No.{rng.randint(1000, 9999)}", font=font(18), fill=(60, 60, 60))
        draw.text((x + 10, y + 40), f"合计 ¥{rng.randint(10, 999)}.00", font=font(18), fill=(60, 60, 60))
    return desk


def _perspective_coefficients(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> list[float]:
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for point in src for c in point], dtype=float)
    return list(np.linalg.solve(a, b))


def photograph(card: Image.Image, rng: random.Random, *, hard: bool) -> tuple[Image.Image, list[str]]:
    """Place the card in a phone photo and degrade it; returns the photo and what was done to it."""
    notes: list[str] = []
    w, h = card.size
    if hard:
        if rng.random() < 0.35:  # glare across the number or the address
            glare = Image.new("L", card.size, 0)
            gd = ImageDraw.Draw(glare)
            y = rng.choice((300, 440))
            gd.ellipse(
                (rng.randint(0, 300), y - 30, rng.randint(450, 700), y + 40), fill=rng.randint(90, 150)
            )
            glare = glare.filter(ImageFilter.GaussianBlur(25))
            card = Image.composite(Image.new("RGB", card.size, (255, 255, 255)), card, glare)
            notes.append("glare")
        if rng.random() < 0.3:  # a thumb over a corner (never over the text: the photo corner or the edge)
            thumb = ImageDraw.Draw(card)
            corner = rng.choice(((w - 90, h - 110), (w - 120, -30)))
            thumb.ellipse((corner[0], corner[1], corner[0] + 170, corner[1] + 150), fill=(205, 160, 135))
            notes.append("thumb")
    # Where the card lands in the photo: nearly filling it (easy) or small on a desk (hard).
    scale = rng.uniform(0.85, 0.95) if not hard else rng.uniform(0.45, 0.75)
    photo_w = int(w / scale)
    photo_h = int(photo_w * 0.75)
    photo = _clutter(rng, (photo_w, photo_h)) if hard else Image.new("RGB", (photo_w, photo_h), (70, 70, 75))
    jitter = (0.02 if not hard else 0.07) * w
    ox, oy = rng.uniform(0.05, 0.95) * (photo_w - w), rng.uniform(0.05, 0.95) * (photo_h - h)
    corners = [(ox, oy), (ox + w, oy), (ox + w, oy + h), (ox, oy + h)]
    corners = [(x + rng.uniform(-jitter, jitter), y + rng.uniform(-jitter, jitter)) for x, y in corners]
    coefficients = _perspective_coefficients([(0, 0), (w, 0), (w, h), (0, h)], corners)
    warped = card.transform(
        (photo_w, photo_h), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC
    )
    mask = Image.new("L", card.size, 255).transform(
        (photo_w, photo_h), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR
    )
    photo.paste(warped, (0, 0), mask)
    notes.append("perspective")
    # Uneven light: a gradient from one side.
    light = Image.linear_gradient("L").resize(photo.size).rotate(rng.choice((0, 90, 180, 270)), expand=False)
    shade = Image.new("RGB", photo.size, (0, 0, 0))
    photo = Image.composite(shade, photo, light.point(lambda v: int(v * (0.25 if hard else 0.12))))
    blur = rng.uniform(0.3, 1.0) if not hard else rng.uniform(0.6, 1.6)
    photo = photo.filter(ImageFilter.GaussianBlur(blur))
    if hard and rng.random() < 0.3:  # motion blur: a short horizontal smear
        kernel = [0.0] * 25
        for i in range(5):
            kernel[10 + i] = 0.2
        photo = photo.filter(ImageFilter.Kernel((5, 5), kernel, scale=1))
        notes.append("motion-blur")
    if hard and rng.random() < 0.3:
        angle = rng.choice((90, 180, 270))
        photo = photo.rotate(angle, expand=True)
        notes.append(f"turned-{angle}")
    return photo, notes


def jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def make_photo(seed: int, *, side: str = "front", hard: bool = False) -> CardPhoto:
    rng = random.Random(seed)
    person = random_person(rng, today=datetime.date(2026, 12, 1))
    card = draw_front(person) if side == "front" else draw_back(person)
    photo, notes = photograph(card, rng, hard=hard)
    quality = rng.randint(35, 60)
    return CardPhoto(
        person=person,
        side=side,
        jpeg=jpeg(photo, quality),
        difficulty="hard" if hard else "easy",
        notes=(*notes, f"jpeg-{quality}"),
    )


def make_set(count: int, *, seed: int = 2026, hard: bool = False, side: str = "front") -> list[CardPhoto]:
    return [make_photo(seed * 100_000 + i, side=side, hard=hard) for i in range(count)]
