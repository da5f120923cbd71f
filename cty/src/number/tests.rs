use super::*;

fn n(s: &str) -> Number {
    match s.parse::<Number>() {
        Ok(n) => n,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn canonical_representations() {
    assert_eq!(n("42").as_i64(), Some(42));
    assert_eq!(n("4.2e1").as_i64(), Some(42));
    assert_eq!(n("-0").as_i64(), Some(0));
    assert_eq!(Number::from_f64(-0.0).as_i64(), Some(0));
    assert_eq!(Number::from_f64(3.0), Number::from_i64(3));
    assert!(matches!(n("0.5").0, Repr::Float(f) if f == 0.5));
    assert!(matches!(n("0.1").0, Repr::Big(_)));
    assert!(matches!(n("1e20").0, Repr::Float(f) if f == 1e20));
    assert!(matches!(
        n("123456789012345678901234567890").0,
        Repr::Big(_)
    ));
    assert!(matches!(n("9223372036854775808").0, Repr::Float(_)));
    assert!(matches!(n("9223372036854775809").0, Repr::Big(_)));
    assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
}

#[test]
fn display_is_exact_and_round_trips() {
    for s in [
        "0",
        "-17",
        "0.5",
        "-0.000123",
        "123456789012345678901234567890",
        "0.1000000000000000000001",
        "100000000000000000000",
        "+Inf",
        "-Inf",
    ] {
        assert_eq!(n(s).to_string(), s);
        assert_eq!(n(&n(s).to_string()), n(s));
    }
    assert_eq!(
        Number::from_f64(0.1).to_string(),
        "0.1000000000000000055511151231257827021181583404541015625"
    );
    let tiny = Number::from_f64(f64::from_bits(1));
    assert_eq!(n(&tiny.to_string()), tiny);
    let big = Number::from_f64(f64::MAX);
    assert_eq!(n(&big.to_string()), big);
}

#[test]
fn numeric_order() {
    let mut v = vec![
        n("0.1"),
        Number::from_f64(0.1),
        n("-1e30"),
        Number::from_i64(i64::MAX),
        n("9223372036854775808"),
        n("9223372036854775807.5"),
        Number::from_f64(f64::NAN),
        Number::infinity(),
        Number::neg_infinity(),
        n("0"),
        n("-0.5"),
    ];
    v.sort();
    let text: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    assert_eq!(
        text,
        [
            "-Inf",
            "-1000000000000000000000000000000",
            "-0.5",
            "0",
            "0.1",
            "0.1000000000000000055511151231257827021181583404541015625",
            "9223372036854775807",
            "9223372036854775807.5",
            "9223372036854775808",
            "+Inf",
            "NaN"
        ]
    );
    assert_eq!(Number::from_f64(f64::NAN), Number::from_f64(f64::NAN));
}

#[test]
fn rejects_garbage_and_huge() {
    for s in [
        "", "-", "abc", "1.2.3", "1e", "e5", "0x10", "1_000", " 1", "NaN",
    ] {
        assert!(s.parse::<Number>().is_err(), "{s:?}");
    }
    assert!("1e999999999999999999".parse::<Number>().is_err());
    assert_eq!(n("0e999999999999999999"), Number::from_i64(0));
    assert!("1e-5000".parse::<Number>().is_err());
}

#[test]
fn conversions() {
    assert_eq!(n("0.1").as_f64(), Some(0.1));
    assert_eq!(
        Number::from_u64(u64::MAX).to_string(),
        "18446744073709551615"
    );
    assert_eq!(Number::from_u64(u64::MAX).as_u64(), Some(u64::MAX));
    assert_eq!(n("1e400").as_f64(), None);
    assert!(n("1e400").is_integer());
}
