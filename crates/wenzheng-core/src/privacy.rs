//! Personal information: phone numbers are masked wherever a case is shown, listed,
//! exported or printed, unless a user with the right reveals one (a logged action).

/// Masks a phone number, keeping the first 3 and last 4 digits of a number with 11 or
/// more digits (`138****5678`), and only the last 2 of a shorter one. Separators go.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    let (head, tail) = if n >= 11 { (3, 4) } else { (0, n.min(2)) };
    digits
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mask_phone;

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
        ] {
            assert_eq!(mask_phone(input), want, "{input}");
        }
    }
}
