//! Types the fuzz targets decode against, chosen by the first input byte.

use ecsprod_cty::Type;

/// The shape of a real resource object, plus a handful of representative types.
pub fn types() -> Vec<Type> {
    let resource = Type::object([
        ("id", Type::String),
        ("name", Type::String),
        ("desired_count", Type::Number),
        ("enabled", Type::Bool),
        ("subnets", Type::list(Type::String)),
        ("security_groups", Type::set(Type::String)),
        ("tags", Type::map(Type::String)),
        (
            "autoscaling",
            Type::object([
                ("min_capacity", Type::Number),
                ("max_capacity", Type::Number),
                (
                    "policies",
                    Type::list(Type::object([
                        ("name", Type::String),
                        ("target", Type::Number),
                    ])),
                ),
            ]),
        ),
        ("settings", Type::Dynamic),
    ]);
    vec![
        resource,
        Type::Dynamic,
        Type::String,
        Type::Number,
        Type::list(Type::Dynamic),
        Type::map(Type::set(Type::Number)),
        Type::Tuple(vec![Type::String, Type::Bool, Type::list(Type::Number)]),
        Type::object([("a", Type::Dynamic), ("b", Type::map(Type::Bool))]),
    ]
}

/// Splits the input into the chosen type and the rest.
pub fn split(data: &[u8]) -> Option<(Type, &[u8])> {
    let (first, rest) = data.split_first()?;
    let types = types();
    let t = types.get(usize::from(*first) % types.len())?.clone();
    Some((t, rest))
}
