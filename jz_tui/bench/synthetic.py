"""Synthetic people for the demo, the tests and the benchmark.

Nobody real: names are drawn from common characters, ID numbers are made up with a
valid GB 11643 check character. Deterministic for a given seed.
"""

from __future__ import annotations

import random

from jz_tui.rules.idcard import check_char

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉萍红娟建国晓梅帆琳斌悦欣宇浩然思远文博"
UNITS = ("区委办公室", "区人社局", "区财政局", "区数据局", "区司法局", "区发改委", "区教育局", "区卫健委")


def fake_id(rng: random.Random) -> str:
    first17 = (
        "420106"
        + f"{rng.randint(1966, 1996)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + f"{rng.randint(0, 999):03d}"
    )
    return first17 + check_char(first17)


def fake_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def roster_rows(posts: list[tuple[str, str, str, int]], seed: int = 7) -> list[dict[str, str]]:
    """Rows with Chinese headers; ``posts`` is (code, name, department, candidates)."""
    rng = random.Random(seed)
    rows, used = [], set()
    for code, name, department, count in posts:
        for _ in range(count):
            id_number = fake_id(rng)
            while id_number in used:
                id_number = fake_id(rng)
            used.add(id_number)
            rows.append({
                "岗位编码": code, "岗位名称": name, "职数": "1", "所属部门": department,
                "姓名": fake_name(rng), "身份证号": id_number, "现单位": rng.choice(UNITS),
                "编制": rng.choice(("行政", "行政", "行政", "参公", "事业")),
            })
    return rows


def write_csv(path, rows: list[dict[str, str]], encoding: str = "utf-8") -> None:
    import csv

    from storage.files import open_private

    with open_private(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
