"""Find the card in a photo, straighten it, and recognise its text with RapidOCR — all in memory.

The recogniser is PP-OCR's ONNX models as shipped inside the `rapidocr` wheel (nothing is downloaded at run
time), loaded once per process on first use. Recognising a whole phone photo spends most of its time
detecting text on the desk around the card, and a card photographed at an angle or turned 90 degrees reads out
of order; so the card is found first (the largest bright quadrilateral of about 85.6:54), warped flat to
856 x 540 and only that is recognised. A card upside down reads with the number on top: the boxes are turned
back, since the recogniser already turned each line's text.
"""

import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image

from gonghui.idcards.parse import TextLine

CARD_W, CARD_H = 856, 540
CARD_RATIO = CARD_W / CARD_H
# Phones send at most this many pixels on the long side (the page downscales before upload); larger photos
# are scaled down before looking for the card.
WORK_SIDE = 1280

_engine: Any = None
_engine_lock = threading.Lock()


def engine() -> Any:
    """The recogniser, built once per process (about 0.1 s, 30 MB of models) and shared by threads."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from rapidocr import RapidOCR  # heavy import: only in processes that read cards

                _engine = RapidOCR(
                    params={
                        "Global.log_level": "error",
                        "Global.max_side_len": 1000,
                        "EngineConfig.onnxruntime.intra_op_num_threads": 2,
                    }
                )
    return _engine


@dataclass(frozen=True)
class CardImage:
    pixels: np.ndarray  # RGB, the card flattened to CARD_W x CARD_H (or the whole photo when not found)
    found: bool


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left, with the long side on top (a card turned 90 degrees
    comes out lying, as if it were turned 0 or 180)."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    ordered = points[np.argsort(angles)]  # clockwise from the left in image coordinates
    start = int(np.argmin(ordered.sum(axis=1)))
    ordered = np.roll(ordered, -start, axis=0)
    top = np.linalg.norm(ordered[1] - ordered[0])
    side = np.linalg.norm(ordered[3] - ordered[0])
    if side > top:
        ordered = np.roll(ordered, -1, axis=0)
    return ordered.astype(np.float32)


def find_card(rgb: np.ndarray) -> CardImage:
    """The card flattened, or the photo as it is when no card-shaped outline stands out (a close-up where
    the card fills the frame has none, and reads well without it)."""
    height, width = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(height, width))
    if scale < 1.0:
        rgb = cv2.resize(rgb, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_AREA)
        height, width = rgb.shape[:2]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    grey = cv2.GaussianBlur(grey, (5, 5), 0)
    edges = cv2.Canny(grey, 30, 90)
    edges = cv2.dilate(edges, np.ones((5, 5), np.uint8), iterations=2)
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    best = None
    best_area = 0.0
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < 0.08 * width * height or area > 0.98 * width * height:
            continue
        hull = cv2.convexHull(contour)
        quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(quad) != 4:
            rect = cv2.minAreaRect(hull)
            quad = cv2.boxPoints(rect).reshape(-1, 1, 2)
            if cv2.contourArea(hull) < 0.85 * rect[1][0] * rect[1][1]:
                continue
        corners = _order_corners(quad.reshape(4, 2).astype(np.float32))
        long_side = np.linalg.norm(corners[1] - corners[0])
        short_side = np.linalg.norm(corners[3] - corners[0])
        if short_side == 0 or not 1.3 < long_side / short_side < 1.9:
            continue
        if area > best_area:
            best, best_area = corners, area
    if best is None:
        return CardImage(pixels=rgb, found=False)
    target = np.array([[0, 0], [CARD_W, 0], [CARD_W, CARD_H], [0, CARD_H]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(best, target)
    flat = cv2.warpPerspective(rgb, matrix, (CARD_W, CARD_H), flags=cv2.INTER_CUBIC)
    return CardImage(pixels=flat, found=True)


def recognise(image: Image.Image) -> tuple[list[TextLine], bool]:
    """Text lines of the card in the card's own frame (upright), and whether a card outline was found."""
    rgb = np.asarray(image.convert("RGB"))
    card = find_card(rgb)
    result = engine()(card.pixels)
    lines = [
        TextLine(
            text=str(text),
            box=(
                float(min(p[0] for p in box)),
                float(min(p[1] for p in box)),
                float(max(p[0] for p in box)),
                float(max(p[1] for p in box)),
            ),
            score=float(score),
        )
        for box, text, score in zip(result.boxes if result.boxes is not None else [], result.txts or (),
                                    result.scores or (), strict=False)
    ]  # fmt: skip
    return _upright(lines, card.pixels.shape[1], card.pixels.shape[0]), card.found


def _upright(lines: list[TextLine], width: int, height: int) -> list[TextLine]:
    """A card lying upside down: each line's text is already turned by the recogniser's angle classifier, but
    the boxes are not — the number (front) or 签发机关 (back), printed low on the card, sits high. Turn the
    boxes so that reading order works."""
    anchor = next(
        (
            line
            for line in lines
            if "公民身份号码" in line.text or "签发机关" in line.text or "有效期限" in line.text
        ),
        None,
    )
    if anchor is None or anchor.middle_y > height / 2:
        return lines
    return [
        TextLine(
            text=line.text,
            box=(width - line.box[2], height - line.box[3], width - line.box[0], height - line.box[1]),
            score=line.score,
        )
        for line in lines
    ]
