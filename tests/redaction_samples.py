"""Free text and what the redacted reader layer makes of it (`--reader-text redacted`, the
patterns of var reader_redactions), worked out by hand from the documented rules: Vietnamese
and English, phones in local and international forms, e-mails, URLs with and without a
scheme, and what stays (addresses, prices, short numbers, dates)."""

SAMPLES: tuple[tuple[str, str], ...] = (
    ("Số điện thoại của em là 0912 345 678 ạ", "Số điện thoại của em là [phone] ạ"),
    (
        "Gọi cho mình qua +84 912.345.678 hoặc 028-3823-4567 nhé",
        "Gọi cho mình qua [phone] hoặc [phone] nhé",
    ),
    ("Email: nguyen.van.an@gmail.com, cảm ơn shop", "Email: [email], cảm ơn shop"),
    ("Mail cho em: LAN.NGUYEN@Company.VN nhé", "Mail cho em: [email] nhé"),
    ("Em gửi ảnh ở https://drive.google.com/file/d/abc123 ạ", "Em gửi ảnh ở [url] ạ"),
    ("Zalo của mình: zalo.me/0987654321", "Zalo của mình: [url]"),
    ("ID Facebook của em 100089123456789", "ID Facebook của em [phone]"),
    ("Cảm ơn 😍\nSĐT 0903123456", "Cảm ơn 😍\nSĐT [phone]"),
    ("Địa chỉ: 12 Nguyễn Huệ, Quận 1, TP.HCM", "Địa chỉ: 12 Nguyễn Huệ, Quận 1, TP.HCM"),
    ("Giá 1.290.000đ, giao ngày 2026-03-09", "Giá 1.290.000đ, giao ngày 2026-03-09"),
    # a date with its hour has 10 digits: the patterns err towards hiding
    ("Giao lúc 2026-03-09 10:30", "Giao lúc [phone]:30"),
    (
        "Please call me at (555) 123-4567 or email john.smith@example.com",
        "Please call me at [phone] or email [email]",
    ),
    ("Reach me on +1 415 555 0199, thanks!", "Reach me on [phone], thanks!"),
    ("My order: www.shop-example.com/orders/42?ref=abc", "My order: [url]"),
    ("Link: HTTPS://Example.com/A?b=c and fb.com/john.doe.77", "Link: [url] and [url]"),
    ("Order #12345 is 3 items, total $45.50", "Order #12345 is 3 items, total $45.50"),
    ("ok", "ok"),
)
