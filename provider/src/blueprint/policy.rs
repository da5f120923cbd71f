//! IAM policy documents as text: decoded from IAM's URL encoding and put in one canonical
//! form, so two equivalent documents compare equal.

/// A policy document as text: IAM returns documents URL-encoded; one that is already JSON is
/// kept as it is.
pub fn decode_policy_document(raw: &str) -> String {
    if serde_json::from_str::<serde_json::Value>(raw).is_ok() {
        return raw.to_owned();
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_owned())
}

/// A policy value in one form: one-element lists as the element, longer lists sorted without
/// duplicates, one statement as a list of one.
fn normalize_policy_value(key: Option<&str>, v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    let v = match v {
        J::Object(statement) if key == Some("Statement") => J::Array(vec![J::Object(statement)]),
        other => other,
    };
    match v {
        J::Object(map) => J::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = normalize_policy_value(Some(&k), v);
                    (k, v)
                })
                .collect(),
        ),
        J::Array(items) => {
            let mut items: Vec<J> = items
                .into_iter()
                .map(|i| normalize_policy_value(None, i))
                .collect();
            items.sort_by_key(|i| i.to_string());
            items.dedup();
            if items.len() == 1 && key != Some("Statement") {
                items.remove(0)
            } else {
                J::Array(items)
            }
        }
        other => other,
    }
}

/// A policy document in one canonical text, so that two equivalent documents read the same
/// (statement order, list order, a one-element list or its element). A document that is not
/// JSON is returned as it is.
pub fn normalized_policy(document: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(document) {
        Ok(v) => normalize_policy_value(None, v).to_string(),
        Err(_) => document.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    #[test]
    fn a_url_encoded_document_decodes_to_its_json_and_json_is_kept() {
        let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%5D%7D";
        assert_eq!(
            decode_policy_document(encoded),
            r#"{"Version": "2012-10-17", "Statement": []}"#
        );
        assert_eq!(decode_policy_document(TRUST), TRUST);
        // A percent sign that starts no escape is kept.
        assert_eq!(decode_policy_document("100%"), "100%");
    }

    #[test]
    fn equivalent_trust_policies_read_the_same() {
        let reordered = r#"{"Statement":{"Action":["sts:AssumeRole"],"Principal":{"Service":["ec2.amazonaws.com"]},"Effect":"Allow"},"Version":"2012-10-17"}"#;
        assert_eq!(normalized_policy(reordered), normalized_policy(TRUST));
        let lists = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ecs.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        let lists_reordered = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","ecs.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(normalized_policy(lists), normalized_policy(lists_reordered));
    }

    #[test]
    fn a_trust_policy_that_trusts_more_reads_differently() {
        let wider = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        assert_ne!(normalized_policy(wider), normalized_policy(TRUST));
        let account = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
        assert_ne!(normalized_policy(account), normalized_policy(TRUST));
        assert_eq!(normalized_policy("not json"), "not json");
    }
}
