//! The OpenAPI document at `/openapi.json`: served without credentials, OpenAPI 3 in shape,
//! and in step with the router. Every route of `src/api/mod.rs` is documented with its
//! method, and every documented operation is routed.

use crate::support::on_each_backend;
use kassa_web::api::openapi::spec;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The router's source, read at compile time so the test follows every change to it.
const ROUTER_SOURCE: &str = include_str!("../../src/api/mod.rs");

const METHODS: &[&str] = &["get", "post", "patch", "put", "delete"];

type Operations = BTreeSet<(String, String)>;

/// The text of a call's arguments: from just after `(` at `start` to its matching `)`.
fn call_arguments(src: &str, start: usize) -> &str {
    let mut depth = 1;
    let mut in_string = false;
    let bytes = src.as_bytes();
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        match b {
            b'"' if bytes[i - 1] != b'\\' => in_string = !in_string,
            b'(' if !in_string => depth += 1,
            b')' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return &src[start..i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced call in the router source at {start}");
}

/// Splits `args` at its first top-level comma.
fn first_argument(args: &str) -> (&str, &str) {
    let (mut depth, mut in_string) = (0, false);
    for (i, c) in args.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => depth -= 1,
            ',' if !in_string && depth == 0 => return (args[..i].trim(), args[i + 1..].trim()),
            _ => {}
        }
    }
    panic!("no second argument in {args:?}");
}

fn string_literal(expr: &str) -> &str {
    let start = expr.find('"').expect("a string literal") + 1;
    let end = expr[start..].find('"').expect("a closed string literal") + start;
    &expr[start..end]
}

/// `(path, method)` of every `.route(` in the router source. Paths are `"…"` literals,
/// `let` bindings to literals, or `&format!("{binding}/…")`.
fn routes_in_source() -> Operations {
    let mut bindings = BTreeMap::new();
    for line in ROUTER_SOURCE.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("let ") {
            if let Some((name, value)) = rest.split_once(" = \"") {
                bindings.insert(name.trim().to_owned(), value.trim_end_matches("\";").to_owned());
            }
        }
    }
    let mut out = Operations::new();
    for (at, _) in ROUTER_SOURCE.match_indices(".route(") {
        let args = call_arguments(ROUTER_SOURCE, at + ".route(".len());
        let (path_expr, handlers) = first_argument(args);
        let path_expr = path_expr.trim_start_matches('&');
        let path = if path_expr.starts_with("format!") {
            let mut p = string_literal(path_expr).to_owned();
            for (name, value) in &bindings {
                p = p.replace(&format!("{{{name}}}"), value);
            }
            p.replace("{{", "{").replace("}}", "}")
        } else if path_expr.starts_with('"') {
            string_literal(path_expr).to_owned()
        } else {
            bindings
                .get(path_expr)
                .unwrap_or_else(|| panic!("unknown path binding {path_expr}"))
                .clone()
        };
        let mut methods = 0;
        for method in METHODS {
            let call = format!("{method}(");
            for (i, _) in handlers.match_indices(&call) {
                let before = handlers[..i].chars().next_back();
                if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                    out.insert((path.clone(), (*method).to_owned()));
                    methods += 1;
                }
            }
        }
        assert!(methods > 0, "no method found for {path} in {handlers:?}");
    }
    out
}

fn documented_operations(doc: &Value) -> Operations {
    let mut out = Operations::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if METHODS.contains(&method.as_str()) {
                out.insert((path.clone(), method.clone()));
            }
        }
    }
    out
}

/// Every `$ref` points at something in the document.
fn check_references(v: &Value, doc: &Value) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref") {
                let r = r.as_str().expect("a string $ref");
                let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("non-local $ref {r}"));
                assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
            }
            m.values().for_each(|x| check_references(x, doc));
        }
        Value::Array(a) => a.iter().for_each(|x| check_references(x, doc)),
        _ => {}
    }
}

/// The operation's parameters and responses, with component references followed.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(&r[1..]).expect("resolvable"),
        None => v,
    }
}

#[test]
fn the_router_and_the_document_list_the_same_operations() {
    let routed = routes_in_source();
    let documented = documented_operations(spec());
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from /openapi.json: {undocumented:?}"
    );
    assert!(unrouted.is_empty(), "documented but not routed: {unrouted:?}");
    let count = |prefix: &str| routed.iter().filter(|(p, _)| p.starts_with(prefix)).count();
    assert_eq!(count("/ordermanagement/v1/"), 18, "{routed:?}");
    assert_eq!(count("/checkout/v3/"), 4, "{routed:?}");
    assert_eq!(count("/test-helpers/disputes/"), 1, "{routed:?}");
    assert_eq!(count("/disputes/v1/"), 5, "{routed:?}");
    assert_eq!(count("/settlements/v1/"), 8, "{routed:?}");
    assert_eq!(count("/test-helpers/"), 3, "{routed:?}");
    assert!(routed.contains(&("/openapi.json".to_owned(), "get".to_owned())));
}

#[test]
fn the_document_has_the_shape_of_openapi_3() {
    let doc = spec();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    assert_eq!(doc["servers"][0]["url"], "/");
    assert_eq!(doc["components"]["securitySchemes"]["basicAuth"]["type"], "http");
    assert_eq!(doc["components"]["securitySchemes"]["basicAuth"]["scheme"], "basic");
    assert_eq!(doc["security"][0]["basicAuth"], serde_json::json!([]));
    for name in [
        "Error",
        "Order",
        "Capture",
        "Refund",
        "CheckoutOrder",
        "OrderLine",
        "Address",
    ] {
        assert!(doc["components"]["schemas"][name].is_object(), "schema {name}");
    }
    check_references(doc, doc);

    let mut ids = BTreeSet::new();
    for (path, method) in documented_operations(doc) {
        let op = &doc["paths"][&path][&method];
        let at = format!("{method} {path}");
        assert!(
            ids.insert(op["operationId"].as_str().expect("operationId").to_owned()),
            "{at}: duplicate id"
        );
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{at}: no success response"
        );
        // Path parameters are all declared.
        let params: Vec<&Value> = op["parameters"]
            .as_array()
            .map(|ps| ps.iter().map(|p| resolve(doc, p)).collect())
            .unwrap_or_default();
        for segment in path.split('/').filter(|s| s.starts_with('{')) {
            let name = segment.trim_matches(['{', '}']);
            assert!(
                params
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true),
                "{at}: path parameter {name} undeclared"
            );
        }
        if path == "/openapi.json" {
            assert_eq!(op["security"], serde_json::json!([]), "{at} needs no credentials");
            continue;
        }
        for status in ["401", "413", "500"] {
            assert!(responses.contains_key(status), "{at}: {status} undocumented");
        }
        let unauthorized = resolve(doc, &responses["401"]);
        assert!(unauthorized["headers"]["WWW-Authenticate"].is_object(), "{at}");
        if method == "post" || method == "patch" {
            assert!(
                params
                    .iter()
                    .any(|p| p["name"] == "Klarna-Idempotency-Key" && p["in"] == "header"),
                "{at}: no Klarna-Idempotency-Key"
            );
            for status in ["400", "409"] {
                assert!(responses.contains_key(status), "{at}: {status} undocumented");
            }
        }
        for (status, response) in responses {
            let response = resolve(doc, response);
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/json"]["schema"];
                assert!(
                    schema.to_string().contains("#/components/schemas/Error"),
                    "{at} {status}: not the error schema"
                );
            }
        }
    }
    // Capture and refund creation answer 201 with their id and URL in headers.
    for (path, id_header) in [
        ("/ordermanagement/v1/orders/{order_id}/captures", "Capture-Id"),
        ("/ordermanagement/v1/orders/{order_id}/refunds", "Refund-Id"),
    ] {
        let created = &doc["paths"][path]["post"]["responses"]["201"];
        assert!(created["headers"]["Location"].is_object(), "{path}");
        assert!(created["headers"][id_header].is_object(), "{path}");
    }
    assert!(doc["paths"]["/checkout/v3/orders"]["post"]["responses"]["201"]["headers"]["Location"].is_object());
}

#[tokio::test]
async fn openapi_json_is_served_without_credentials() {
    on_each_backend(|app| async move {
        let res = app.client().get("/openapi.json").await;
        assert_eq!(res.status(), 200);
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("application/json"), "{content_type}");
        let served: Value = res.json().await.unwrap();
        assert_eq!(&served, spec());
    })
    .await;
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_needs_credentials() {
    on_each_backend(|app| async move {
        let http = reqwest::Client::new();
        for (path, method) in documented_operations(spec()) {
            if path == "/openapi.json" {
                continue;
            }
            let concrete = path
                .replace("{order_id}", "0b6c8a52-0000-4000-8000-000000000000")
                .replace("{capture_id}", "c1")
                .replace("{refund_id}", "r1")
                .replace("{payment_reference}", "XK3P9QW2RT");
            let url = format!("{}{concrete}", app.url);
            let req = match method.as_str() {
                "get" => http.get(&url),
                "post" => http.post(&url),
                "patch" => http.patch(&url),
                other => panic!("unexpected method {other}"),
            };
            let res = req
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401, "{method} {path}");
            assert_eq!(
                res.headers()["www-authenticate"],
                "Basic realm=\"Kassa\"",
                "{method} {path}"
            );
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error_code"], "UNAUTHORIZED", "{method} {path}");
            assert!(body["correlation_id"].is_string(), "{method} {path}");
        }
    })
    .await;
}
