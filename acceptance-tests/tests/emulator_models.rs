//! The emulator refuses what AWS refuses: a request that breaks its service's model (an enum
//! value, a length, a missing required member) is answered HTTP 400 before the call runs, with the
//! code the service answers, in its protocol's error format (awsJson, query XML, EC2 XML, REST
//! XML), and a message naming the member; a request the model accepts runs.
//!
//! The requests are written by hand (the SDKs would not send most of them), signed only as far as
//! the emulator reads a signature: the credential scope names the region and service.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use acceptance_tests::emulator::{Emulator, REGION};
use serde_json::Value;

const ECS_TARGET: &str = "AmazonEC2ContainerServiceV20141113";
const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
const AWS_JSON: &str = "application/x-amz-json-1.1";

/// An emulator with the model check on (as it is by default).
fn emulator() -> Emulator {
    Emulator::start_with_env(&[("ECSPROD_EMULATOR_MODELS", "1")])
}

/// An AWS request: its signing name and region, method, path, headers and body.
struct Request<'a> {
    service: &'a str,
    region: &'a str,
    method: &'a str,
    path: &'a str,
    headers: Vec<(&'a str, String)>,
    body: String,
}

impl<'a> Request<'a> {
    fn new(service: &'a str, method: &'a str, path: &'a str, body: impl Into<String>) -> Self {
        Self {
            service,
            region: REGION,
            method,
            path,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// An awsJson call of an operation.
    fn json(service: &'a str, target: &str, body: Value) -> Self {
        Self::new(service, "POST", "/", body.to_string())
            .header("X-Amz-Target", target)
            .header("Content-Type", AWS_JSON)
    }

    /// A query or ec2 call: its form fields.
    fn form(service: &'a str, fields: &str) -> Self {
        Self::new(service, "POST", "/", fields).header("Content-Type", FORM)
    }

    fn header(mut self, name: &'a str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn in_region(mut self, region: &'a str) -> Self {
        self.region = region;
        self
    }

    /// Sends the request to the emulator: (status, body).
    fn send(&self, emulator: &Emulator) -> (u16, String) {
        let host = emulator.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(host).expect("connect to the emulator");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("a read timeout");
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n\
             X-Amz-Date: 20250101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 \
             Credential=AKIAIOSFODNN7EXAMPLE/20250101/{}/{}/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=0\r\n",
            self.method,
            self.path,
            self.body.len(),
            self.region,
            self.service,
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        write!(stream, "{head}\r\n{}", self.body).expect("send the request");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read the answer");
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }
}

/// The text of the first `<tag>` element of an XML answer.
fn xml_text<'b>(body: &'b str, tag: &str) -> &'b str {
    let open = format!("<{tag}>");
    let start = body
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {body}"))
        + open.len();
    let end = body[start..]
        .find(&format!("</{tag}>"))
        .unwrap_or_else(|| panic!("no </{tag}> in {body}"));
    &body[start..start + end]
}

/// (__type, message) of an awsJson error answer.
fn json_error(body: &str) -> (String, String) {
    let doc: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    let text = |key: &str| doc[key].as_str().unwrap_or_default().to_owned();
    (text("__type"), text("message"))
}

#[test]
fn an_ecs_launch_type_outside_the_models_enum_is_refused_as_validation_exception_naming_launch_type()
 {
    let emulator = emulator();
    let (status, body) = Request::json(
        "ecs",
        &format!("{ECS_TARGET}.CreateService"),
        serde_json::json!({"serviceName": "web", "launchType": "SPACESHIP"}),
    )
    .send(&emulator);
    assert_eq!(status, 400, "{body}");
    let (code, message) = json_error(&body);
    assert_eq!(code, "ValidationException", "{body}");
    assert!(
        message.starts_with("1 validation error detected: Value 'SPACESHIP' at 'launchType' failed to satisfy constraint: Member must satisfy enum value set: ["),
        "{message}"
    );
    assert!(message.contains("FARGATE"), "{message}");
    // Refused before moto ran it (moto would answer ClusterNotFoundException: there is no
    // default cluster), and counted as every call is.
    assert_eq!(emulator.calls().get("ecs.CreateService"), Some(&1));
}

#[test]
fn a_log_group_name_over_512_characters_is_refused_as_invalid_parameter_exception_naming_log_group_name()
 {
    let emulator = emulator();
    let name = "a".repeat(513);
    let (status, body) = Request::json(
        "logs",
        "Logs_20140328.CreateLogGroup",
        serde_json::json!({ "logGroupName": name }),
    )
    .send(&emulator);
    assert_eq!(status, 400, "{body}");
    let (code, message) = json_error(&body);
    assert_eq!(code, "InvalidParameterException", "{body}");
    assert_eq!(
        message,
        format!(
            "1 validation error detected: Value '{name}' at 'logGroupName' failed to satisfy constraint: Member must have length less than or equal to 512"
        )
    );
}

#[test]
fn an_elbv2_target_group_without_its_required_name_is_refused_in_query_xml_as_validation_error() {
    let emulator = emulator();
    let (status, body) = Request::form(
        "elasticloadbalancing",
        "Action=CreateTargetGroup&Version=2015-12-01&Protocol=HTTP&Port=80",
    )
    .send(&emulator);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<ErrorResponse>"), "{body}");
    assert_eq!(xml_text(&body, "Code"), "ValidationError");
    assert_eq!(
        xml_text(&body, "Message"),
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn an_ec2_value_outside_the_models_enum_is_invalid_parameter_value_and_a_missing_member_missing_parameter()
 {
    let emulator = emulator();
    let (status, body) = Request::form(
        "ec2",
        "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.9.0.0%2F16&InstanceTenancy=spaceship",
    )
    .send(&emulator);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<Response><Errors><Error>"), "{body}");
    assert_eq!(xml_text(&body, "Code"), "InvalidParameterValue");
    let message = xml_text(&body, "Message");
    assert!(
        message.starts_with("Value (spaceship) for parameter InstanceTenancy is invalid."),
        "{message}"
    );

    let (status, body) = Request::form(
        "ec2",
        "Action=CreateSecurityGroup&Version=2016-11-15&GroupDescription=web",
    )
    .send(&emulator);
    assert_eq!(status, 400, "{body}");
    assert_eq!(xml_text(&body, "Code"), "MissingParameter");
    assert_eq!(
        xml_text(&body, "Message"),
        "The request must contain the parameter GroupName"
    );
}

#[test]
fn a_route53_change_with_an_action_outside_the_models_enum_is_refused_in_rest_xml_as_invalid_input()
{
    let emulator = emulator();
    let change = r#"<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change><Action>UPSERTX</Action><ResourceRecordSet><Name>api.example.test</Name><Type>A</Type></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"#;
    let (status, body) = Request::new(
        "route53",
        "POST",
        "/2013-04-01/hostedzone/Z0EXAMPLE/rrset/",
        change,
    )
    .in_region("us-east-1")
    .header("Content-Type", "application/xml")
    .send(&emulator);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<ErrorResponse>"), "{body}");
    assert_eq!(xml_text(&body, "Code"), "InvalidInput");
    assert_eq!(
        xml_text(&body, "Message"),
        "1 validation error detected: Value 'UPSERTX' at 'changeBatch.changes.1.member.action' failed to satisfy constraint: Member must satisfy enum value set: [CREATE, DELETE, UPSERT]"
    );
}

#[test]
fn requests_the_model_accepts_run_the_call() {
    let emulator = emulator();
    let (status, body) = Request::json(
        "ecs",
        &format!("{ECS_TARGET}.CreateCluster"),
        serde_json::json!({"clusterName": "models"}),
    )
    .send(&emulator);
    assert_eq!(status, 200, "{body}");
    let cluster: Value = serde_json::from_str(&body).expect("a JSON answer");
    assert_eq!(cluster["cluster"]["clusterName"], "models", "{body}");

    let vpc = Request::form(
        "ec2",
        "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.9.0.0%2F16",
    )
    .send(&emulator);
    assert_eq!(vpc.0, 200, "{}", vpc.1);
    let (status, body) = Request::form(
        "elasticloadbalancing",
        &format!(
            "Action=CreateTargetGroup&Version=2015-12-01&Name=models&Protocol=HTTP&Port=80&VpcId={}",
            xml_text(&vpc.1, "vpcId")
        ),
    )
    .send(&emulator);
    assert_eq!(status, 200, "{body}");
    assert_eq!(xml_text(&body, "TargetGroupName"), "models");
}

#[test]
fn with_ecsprod_emulator_models_0_a_request_the_model_refuses_runs_in_moto() {
    let emulator = Emulator::start_with_env(&[("ECSPROD_EMULATOR_MODELS", "0")]);
    let vpc = Request::form(
        "ec2",
        "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.9.0.0%2F16",
    )
    .send(&emulator);
    let (status, body) = Request::form(
        "elasticloadbalancing",
        &format!(
            "Action=CreateTargetGroup&Version=2015-12-01&Name=models&Protocol=HTTP&Port=70000&VpcId={}",
            xml_text(&vpc.1, "vpcId")
        ),
    )
    .send(&emulator);
    // moto makes the group: AWS would refuse port 70000 (the model's range is 1-65535).
    assert_eq!(status, 200, "the model check is off, yet: {body}");
    assert_eq!(xml_text(&body, "Port"), "70000");
}
