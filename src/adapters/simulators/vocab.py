"""Word lists the synthetic world is drawn from: names, places, authorities.

Frequencies are rough public figures (surnames) or plain guesses; every combination they
produce is invented. Ward names follow Hanoi's 2025 two-level administration (no districts).
Lists are written as separated strings to stay readable under the formatter.
"""

from __future__ import annotations

from dataclasses import dataclass


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(sep) if word.strip())


def _weighted(text: str) -> tuple[tuple[str, int], ...]:
    pairs = (item.rsplit(" ", 1) for item in _words(text, ","))
    return tuple((name, int(weight)) for name, weight in pairs)


# (surname, weight): Nguyễn alone is about 38% of Vietnamese.
SURNAMES = _weighted(
    "Nguyễn 380, Trần 110, Lê 95, Phạm 70, Hoàng 50, Phan 45, Vũ 39, Đặng 21, Bùi 20, Đỗ 14,"
    "Hồ 13, Ngô 13, Dương 10, Lý 5, Đinh 6, Trương 4, Đào 4, Mai 3"
)
# "Thị" is by far the most common female middle name, hence three times.
MIDDLE_NAMES = {
    "M": _words("Văn Đức Minh Quang Hữu Công Thành Xuân Ngọc Hoàng Tuấn Anh Mạnh Trọng Đình"),
    "F": _words("Thị Thị Thị Ngọc Thu Thanh Minh Phương Thúy Bích Hồng Kim Mai Khánh Diệu"),
}
GIVEN_NAMES = {
    "M": _words(
        "Hùng Dũng Tuấn Minh Long Nam Hải Sơn Quân Hiếu Khoa Phúc Thắng Trung Việt Đức Huy Cường"
        " Thịnh Bình An Khánh Tùng Đạt Kiên Lâm Phong Quang Thành Vinh Hưng"
    ),
    "F": _words(
        "Lan Hương Hoa Mai Linh Trang Hà Thảo Ngọc Huyền Nga Hạnh Yến Phương Thủy Dung Vân Anh"
        " Chi Nhung Giang Loan Oanh Quỳnh My Vy Hằng Liên Thư Ánh"
    ),
}
# (ethnicity, weight): Kinh are about 85% nationally, more in Hanoi.
ETHNICITIES = _weighted("Kinh 950, Mường 15, Tày 12, Thái 8, Nùng 6, Dao 4, Hoa 5")


@dataclass(frozen=True, slots=True)
class Ward:
    """A commune-level unit of Hanoi and the code its civil-status books are numbered under."""

    name: str
    code: str

    @property
    def authority(self) -> str:
        return f"UBND {self.name}"


WARDS: tuple[Ward, ...] = tuple(
    Ward(*_words(item, ":"))
    for item in _words(
        "Phường Hoàn Kiếm:PHK, Phường Cửa Nam:PCN, Phường Ba Đình:PBD, Phường Ngọc Hà:PNH,"
        "Phường Giảng Võ:PGV, Phường Hai Bà Trưng:PHBT, Phường Bạch Mai:PBM,"
        "Phường Đống Đa:PDD, Phường Láng:PLA, Phường Ô Chợ Dừa:POCD, Phường Kim Liên:PKL,"
        "Phường Cầu Giấy:PCG, Phường Nghĩa Đô:PND, Phường Yên Hòa:PYH, Phường Tây Hồ:PTH,"
        "Phường Phú Thượng:PPT, Phường Thanh Xuân:PTX, Phường Khương Đình:PKD,"
        "Phường Hoàng Mai:PHM, Phường Định Công:PDC, Phường Long Biên:PLB, Phường Bồ Đề:PBDE,"
        "Phường Hà Đông:PHD, Phường Kiến Hưng:PKH, Xã Đông Anh:XDA, Xã Gia Lâm:XGL,"
        "Xã Sóc Sơn:XSS, Xã Thanh Trì:XTT",
        ",",
    )
)

STREETS = _words(
    "phố Huế, phố Bà Triệu, đường Láng, phố Chùa Bộc, phố Kim Mã, đường Nguyễn Trãi,"
    "phố Tràng Tiền, đường Giải Phóng, phố Xã Đàn, đường Trường Chinh, phố Hàng Bạc,"
    "phố Hoàng Quốc Việt, đường Phạm Văn Đồng, đường Nguyễn Văn Cừ, đường Lạc Long Quân,"
    "phố Đội Cấn, phố Thái Hà, phố Nguyễn Chí Thanh, đường Cầu Giấy, phố Minh Khai,"
    "đường Quang Trung, phố Tô Hiệu, đường Ngọc Hồi, phố Lê Trọng Tấn",
    ",",
)

HANOI_CODE = "001"
HANOI = "Hà Nội"

# Legacy province codes (the first three PIN digits) of people born outside Hanoi.
OTHER_PROVINCES: tuple[tuple[str, str], ...] = tuple(
    (code, name)
    for code, name in (
        _words(item, ":")
        for item in _words(
            "079:TP Hồ Chí Minh, 031:Hải Phòng, 036:Nam Định, 038:Thanh Hóa, 040:Nghệ An,"
            "022:Quảng Ninh, 034:Thái Bình, 030:Hải Dương, 027:Bắc Ninh, 025:Phú Thọ,"
            "035:Hà Nam, 042:Hà Tĩnh",
            ",",
        )
    )
)

HOME_COMMUNES = _words(
    "Xã Hải Hậu, Xã Kiến Xương, Xã Ý Yên, Xã Nghi Lộc, Xã Hoằng Hóa, Xã Thanh Oai,"
    "Xã Đan Phượng, Xã Phú Xuyên, Xã Quỳnh Lưu, Xã Cẩm Giàng, Xã Tiên Du, Xã Lâm Thao",
    ",",
)

CONFIRMATION_PURPOSES = _words(
    "Đăng ký kết hôn; Mua bán, chuyển nhượng nhà đất; Vay vốn ngân hàng;"
    "Bổ sung hồ sơ xuất khẩu lao động; Bổ sung hồ sơ xin việc",
    ";",
)

# Enterprise names: "<form> <trade> <brand>"; (Vietnamese, English) trades.
TRADES: tuple[tuple[str, str], ...] = tuple(
    (vi, en)
    for vi, en in (
        _words(item, ":")
        for item in _words(
            "Thương mại:Trading, Dịch vụ:Services, Xây dựng:Construction, Công nghệ:Technology,"
            "Đầu tư:Investment, Vận tải:Transport, Du lịch:Travel, Thực phẩm:Food,"
            "Giáo dục:Education, Phần mềm:Software, Môi trường:Environment,"
            "Nông nghiệp:Agriculture, Kiến trúc:Architecture, Cơ khí:Mechanical,"
            "Điện tử:Electronics, May mặc:Garment, Tư vấn:Consulting, Bất động sản:Real Estate",
            ",",
        )
    )
)
BRANDS = _words(
    "Hà Thành, Thăng Long, Hồng Hà, Sông Hồng, Ba Vì, Phú Gia, An Phát, Minh Long, Việt Tiến,"
    "Đại Nam, Hòa Bình, Sao Mai, Bình Minh, Thành Công, Hưng Thịnh, Phúc An, Tân Việt,"
    "Kim Ngân, Trường Sơn, Đông Đô, Lạc Hồng, Văn Lang",
    ",",
)
# type code -> (Vietnamese form, English form)
ENTERPRISE_FORMS: dict[str, tuple[str, str]] = {
    "TNHH1TV": ("Công ty TNHH", "Company Limited"),
    "TNHH2TV": ("Công ty TNHH", "Company Limited"),
    "CP": ("Công ty Cổ phần", "Joint Stock Company"),
    "DNTN": ("Doanh nghiệp tư nhân", "Private Enterprise"),
}
