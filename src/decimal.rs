//! Decimal digits written straight into a string: money and dates on every panel, a few hundred
//! per page, without `format!`'s machinery.

/// Appends `n` in decimal, zero-padded to at least `width` digits.
pub(crate) fn push_digits(out: &mut String, n: u64, width: usize) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(n);
    out.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
    out.push_str(digits);
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
