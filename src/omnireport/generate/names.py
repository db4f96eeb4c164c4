"""Vietnamese names and message texts (with commas, quotes, line breaks and emoji, to exercise quoting)."""

FAMILY = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
)
MIDDLE = ("Văn", "Thị", "Thu", "Đức", "Thanh", "Minh", "Ngọc", "Quốc", "Hải", "Anh")
GIVEN = (
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hòa",
    "Hùng",
    "Lan",
    "Linh",
    "Mai",
    "Nam",
    "Nga",
    "Phúc",
    "Quân",
    "Thảo",
    "Trang",
    "Tú",
    "Vy",
    "Yến",
)

CONTACT_TEXTS = (
    "Alo shop ơi",
    "Cho mình hỏi giá cái này",
    "Còn size M không shop?",
    "Mình đặt hàng 3 ngày rồi, sao chưa thấy giao?",
    'Shop ơi, áo này có màu đen không, "size L" ấy',
    "Cho mình xin địa chỉ cửa hàng ở Quận 7",
    "ok",
    "Cảm ơn shop nhiều 😍",
    "Mình muốn đổi hàng\nvì bị lỗi đường may",
    "Sao không ai trả lời vậy???",
    "giá bao nhiêu, ship về Đà Nẵng bao lâu",
    "",
)
AGENT_TEXTS = (
    "Dạ em chào anh/chị ạ",
    "Dạ sản phẩm này giá 1.290.000đ, đang giảm 10% ạ",
    "Dạ còn hàng ạ, mình cho em xin số điện thoại để lên đơn nhé",
    "Dạ em kiểm tra đơn hàng giúp mình ngay ạ",
    "Dạ đơn của mình đang được giao, dự kiến ngày mai tới ạ",
    'Dạ vâng, "đổi trả trong 7 ngày" ạ',
    "Dạ em gửi mình bảng size:\nS: 45-50kg\nM: 50-58kg",
)
PAGE_TEXTS = (
    "Cảm ơn bạn đã liên hệ Mai Anh! Nhân viên sẽ phản hồi trong giây lát.",
    "Xin chào, shop đang ngoài giờ làm việc (8h-22h), bạn vui lòng để lại lời nhắn nhé.",
    "Bạn vui lòng chọn: 1. Hỏi giá, 2. Đơn hàng, 3. Khác",
)
NOTES = (
    None,
    None,
    None,
    None,
    "Khách quen",
    "Hẹn gọi lại, chiều mai",
    'Đã chuyển kho "Q7"',
    "khách khó tính\ncần lưu ý",
)
