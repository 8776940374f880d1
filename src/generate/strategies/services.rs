//! Services that are not listed: near misses, unknown words, and listed ones disguised with
//! Unicode (look-alike letters, compatibility forms, case mappings, invisible characters).

use super::pattern;
use super::valid::service_in_random_case;
use proptest::prelude::*;
use proptest::sample::select;

/// Letters that look like Latin ones but are not, as `(latin, look-alike)`: Cyrillic, Cherokee
/// and full-width. The one table of them: [`near_miss_service`] swaps one letter for the first
/// entry of that letter or of its upper case, the structured fuzz bodies swap every letter that
/// has a Cyrillic entry. Written as escapes, since the point of
/// each is that it cannot be told apart on the page.
pub(crate) const LOOK_ALIKES: &[(char, char)] = &[
    ('C', '\u{421}'),  // CYRILLIC CAPITAL LETTER ES
    ('S', '\u{405}'),  // CYRILLIC CAPITAL LETTER DZE
    ('O', '\u{41e}'),  // CYRILLIC CAPITAL LETTER O
    ('T', '\u{422}'),  // CYRILLIC CAPITAL LETTER TE
    ('D', '\u{13a0}'), // CHEROKEE LETTER A
    ('B', '\u{412}'),  // CYRILLIC CAPITAL LETTER VE
    ('R', '\u{13a1}'), // CHEROKEE LETTER E
    ('M', '\u{41c}'),  // CYRILLIC CAPITAL LETTER EM
    ('W', '\u{ff37}'), // FULLWIDTH LATIN CAPITAL LETTER W
    ('P', '\u{420}'),  // CYRILLIC CAPITAL LETTER ER
    ('e', '\u{435}'),  // CYRILLIC SMALL LETTER IE
    ('a', '\u{430}'),  // CYRILLIC SMALL LETTER A
    ('l', '\u{4cf}'),  // CYRILLIC SMALL LETTER PALOCHKA
    ('c', '\u{441}'),  // CYRILLIC SMALL LETTER ES
    ('o', '\u{43e}'),  // CYRILLIC SMALL LETTER O
    ('p', '\u{440}'),  // CYRILLIC SMALL LETTER ER
    ('s', '\u{455}'),  // CYRILLIC SMALL LETTER DZE
];

fn look_alike_of(c: char) -> Option<char> {
    LOOK_ALIKES
        .iter()
        .find(|(latin, _)| *latin == c || *latin == c.to_ascii_uppercase())
        .map(|(_, alike)| *alike)
}

/// A listed service broken in one small way: a letter added, dropped or swapped for a look-alike,
/// a space before or after, a hyphen inside, two values joined, or a truncated prefix.
pub fn near_miss_service() -> impl Strategy<Value = String> {
    let edit = prop_oneof![
        Just("append"),
        Just("drop"),
        Just("look-alike"),
        Just("lead-space"),
        Just("trail-space"),
        Just("hyphen"),
        Just("join"),
        Just("prefix"),
    ];
    (
        service_in_random_case(),
        edit,
        any::<prop::sample::Index>(),
        pattern("[A-Z]"),
    )
        .prop_map(|(service, edit, at, letter)| {
            let chars: Vec<char> = service.chars().collect();
            let i = at.index(chars.len());
            match edit {
                "append" => format!("{service}{letter}"),
                "drop" => chars
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, c)| c)
                    .collect(),
                "look-alike" => {
                    let swappable: Vec<(usize, char)> = chars
                        .iter()
                        .enumerate()
                        .filter_map(|(j, &c)| look_alike_of(c).map(|alike| (j, alike)))
                        .collect();
                    if swappable.is_empty() {
                        return format!("{service}\u{425}");
                    }
                    let (j, alike) = swappable[at.index(swappable.len())];
                    chars
                        .iter()
                        .enumerate()
                        .map(|(k, &c)| if k == j { alike } else { c })
                        .collect()
                }
                "lead-space" => format!(" {service}"),
                "trail-space" => format!("{service} "),
                "hyphen" => {
                    let (head, tail) = chars.split_at(i.max(1));
                    format!(
                        "{}-{}",
                        head.iter().collect::<String>(),
                        tail.iter().collect::<String>()
                    )
                }
                "join" => format!("{service},{service}"),
                _ => chars[..i.max(1).min(chars.len() - 1)].iter().collect(),
            }
        })
}

/// Unknown services: short random words, leaning to upper-case ASCII like the listed ones.
pub fn unknown_service() -> impl Strategy<Value = String> {
    prop_oneof![
        pattern("[A-Z]{2,6}"),
        pattern("[A-Za-z.]{1,20}"),
        pattern("\\PC{1,8}")
    ]
}

/// Characters NFKC (compatibility) normalisation maps to `c`, an ASCII letter or `.`: fullwidth,
/// mathematical bold, sans-serif bold and monospace, circled, Roman numeral and modifier forms.
/// None of them maps to `c` under Unicode case mapping (a test checks both with ICU).
pub fn compatibility_forms(c: char) -> Vec<char> {
    let from = |base: u32, offset: u32| char::from_u32(base + offset).expect("in the block");
    let mut forms = Vec::new();
    if c.is_ascii_uppercase() {
        let i = u32::from(c) - u32::from('A');
        forms.extend([0xFF21, 0x1D400, 0x1D5D4, 0x1D670, 0x24B6].map(|base| from(base, i)));
    } else if c.is_ascii_lowercase() {
        let i = u32::from(c) - u32::from('a');
        forms.extend([0xFF41, 0x1D41A, 0x1D5EE, 0x1D68A, 0x24D0].map(|base| from(base, i)));
    }
    forms.extend(match c {
        'C' => &['\u{216D}'][..],
        'D' => &['\u{216E}', '\u{1D30}'],
        'M' => &['\u{216F}', '\u{1D39}'],
        'L' => &['\u{216C}', '\u{1D38}'],
        'T' => &['\u{1D40}'],
        'B' => &['\u{1D2E}'],
        'O' => &['\u{1D3C}'],
        'P' => &['\u{1D3E}'],
        'R' => &['\u{1D3F}'],
        'W' => &['\u{1D42}'],
        'E' => &['\u{1D31}'],
        'c' => &['\u{217D}'],
        'd' => &['\u{217E}', '\u{1D48}'],
        'l' => &['\u{217C}', '\u{2E1}'],
        'b' => &['\u{1D47}'],
        'e' => &['\u{1D49}'],
        'o' => &['\u{1D52}'],
        'p' => &['\u{1D56}'],
        't' => &['\u{1D57}'],
        'u' => &['\u{1D58}'],
        's' => &['\u{2E2}'],
        'w' => &['\u{2B7}'],
        'r' => &['\u{2B3}'],
        '.' => &['\u{FF0E}', '\u{2024}'],
        _ => &[],
    });
    forms
}

/// Characters whose Unicode case mapping (`to_uppercase`, `to_lowercase`) lands on ASCII
/// letters while they are not ASCII: long s, dotless i, the Kelvin sign, sharp s (`SS`).
pub const CASE_MAPPED: &[(&str, char)] = &[
    ("s", '\u{17F}'),
    ("i", '\u{131}'),
    ("k", '\u{212A}'),
    ("ss", '\u{DF}'),
];

/// A listed service made to look listed through Unicode: a letter (or all of them) swapped for a
/// compatibility form that NFKC maps back (reject: `req.service.enum`), an `s` for `ſ` or an `ss`
/// for `ß` (equal under Unicode case mapping: either, see the oracle), or a zero-width or
/// combining character inside (reject).
pub fn service_unicode() -> impl Strategy<Value = String> {
    (
        service_in_random_case(),
        select(vec![
            "compat-one",
            "compat-all",
            "case-map",
            "zero-width",
            "combining",
        ]),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(service, edit, at, pick)| {
            let chars: Vec<char> = service.chars().collect();
            let swap_one = |chars: &[char]| -> String {
                let swappable: Vec<usize> = (0..chars.len())
                    .filter(|&i| !compatibility_forms(chars[i]).is_empty())
                    .collect();
                let i = swappable[at.index(swappable.len())];
                let forms = compatibility_forms(chars[i]);
                let mut out = chars.to_vec();
                out[i] = forms[pick.index(forms.len())];
                out.into_iter().collect()
            };
            match edit {
                "compat-one" => swap_one(&chars),
                "compat-all" => chars
                    .iter()
                    .map(|&c| {
                        let forms = compatibility_forms(c);
                        if forms.is_empty() {
                            c
                        } else {
                            forms[pick.index(forms.len())]
                        }
                    })
                    .collect(),
                "case-map" => {
                    let lower = service.to_ascii_lowercase();
                    let mapped = CASE_MAPPED.iter().find_map(|(ascii, special)| {
                        lower.find(ascii).map(|i| {
                            format!("{}{special}{}", &service[..i], &service[i + ascii.len()..])
                        })
                    });
                    mapped.unwrap_or_else(|| swap_one(&chars))
                }
                "zero-width" => {
                    let mut out = chars.clone();
                    let zero = ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'];
                    out.insert(at.index(out.len() + 1), zero[pick.index(zero.len())]);
                    out.into_iter().collect()
                }
                _ => {
                    let mut out = chars.clone();
                    let marks = ['\u{301}', '\u{307}', '\u{338}', '\u{34F}'];
                    out.insert(at.index(out.len()) + 1, marks[pick.index(marks.len())]);
                    out.into_iter().collect()
                }
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_forms_are_nfkc_forms_and_no_case_mappings() {
        let nfkc = icu_normalizer::ComposingNormalizerBorrowed::new_nfkc();
        for c in ('A'..='Z').chain('a'..='z').chain(['.']) {
            for form in compatibility_forms(c) {
                assert!(!form.is_ascii(), "{c}: {form}");
                assert_eq!(
                    nfkc.normalize(&form.to_string()),
                    c.to_string(),
                    "{c}: {form:?}"
                );
                let cased = [
                    form.to_uppercase().to_string(),
                    form.to_lowercase().to_string(),
                ];
                assert!(
                    cased
                        .iter()
                        .all(|m| !m.eq_ignore_ascii_case(&c.to_string())),
                    "{form:?}"
                );
            }
        }
        for (ascii, special) in CASE_MAPPED {
            let mapped = [
                special.to_uppercase().to_string(),
                special.to_lowercase().to_string(),
            ];
            assert!(
                mapped.iter().any(|m| m.eq_ignore_ascii_case(ascii)),
                "{special:?}"
            );
        }
    }
}
