//! Decimal digits written straight into a string: money and dates on every panel, a few hundred
//! per page, without `format!`'s machinery.

/// Appends `n` in decimal, zero-padded to at least `width` digits.
pub(crate) fn push_digits(out: &mut String, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut at = buf.len();
    while n > 0 || buf.len() - at < width.clamp(1, 20) {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::push_digits;

    #[test]
    fn pads_to_the_width_asked() {
        for (n, width, text) in [
            (0, 0, "0"),
            (0, 1, "0"),
            (7, 2, "07"),
            (2024, 4, "2024"),
            (5, 4, "0005"),
            (u64::MAX, 1, "18446744073709551615"),
        ] {
            let mut out = String::from(">");
            push_digits(&mut out, n, width);
            assert_eq!(out, format!(">{text}"), "{n} {width}");
        }
    }
}
