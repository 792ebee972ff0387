//! Personal information: phone numbers are masked wherever a case is shown, listed,
//! exported or printed, unless a user with the right reveals one (a logged action).

/// Masks a phone number, keeping the first 3 and last 4 digits of a number with 11 or
/// more digits (`138****5678`), and only the last 2 of a shorter one. Separators go.
///
/// Masking a masked number changes nothing, so views that arrive masked can pass through.
pub fn mask_phone(phone: &str) -> String {
    if phone.contains('*') {
        return phone.to_string();
    }
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    let (head, tail) = if n >= 11 { (3, 4) } else { (0, n.min(2)) };
    digits
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' })
        .collect()
}

/// Masks every run of seven or more digits in free text: the phone numbers a citizen
/// wrote into the message itself.
pub fn mask_phones_in_text(text: &str) -> String {
    fn flush(run: &mut String, out: &mut String) {
        if run.len() >= 7 {
            out.push_str(&mask_phone(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    }
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::{mask_phone, mask_phones_in_text};

    #[test]
    fn masks_numbers_inside_text() {
        assert_eq!(
            mask_phones_in_text("请联系13812345678，门牌12号"),
            "请联系138****5678，门牌12号"
        );
        assert_eq!(mask_phones_in_text("电话8888123"), "电话*****23");
        assert_eq!(mask_phones_in_text("2026年"), "2026年");
    }

    #[test]
    fn masks_mobile_and_landline_numbers() {
        for (input, want) in [
            ("13800005678", "138****5678"),
            ("138-0000-5678", "138****5678"),
            ("+86 138 0000 5678", "861******5678"),
            ("0571-88881234", "057*****1234"),
            ("8888123", "*****23"),
            ("12345", "***45"),
            ("", ""),
            ("138****5678", "138****5678"),
        ] {
            assert_eq!(mask_phone(input), want, "{input}");
        }
    }
}
