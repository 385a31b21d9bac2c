//! The fields of a type-13 timer message (spec chapter 10) as JSON, from the WAN decoder's typed
//! [`TimerMessage`]: what `decode` shows for the `timer` body besides the preamble. A task is
//! joylink-wire's JSON form ([`Task::to_json`], the one `cloud --mqtt` reads back for
//! `timer_add`); expressions are checked by joylink-timer. Names are documented in the crate
//! README.

use joylink::timer::TimeExp;
use joylink::wire::wan::timer::{List, Task, TimerMessage};
use serde_json::{Map, Value, json};

/// Adds `timer_kind` and the message's own fields to `obj`.
pub fn put_fields(obj: &mut Map<String, Value>, msg: &TimerMessage<'_>) {
    use TimerMessage as M;
    let (kind, fields) = match msg {
        M::SupportQuery(_) => ("support_query", json!({})),
        M::SupportResponse(c) => ("support_response", json!({"code": c.code})),
        M::Add(r) => ("add", json!({"tasks": tasks(&r.tasks)})),
        M::AddResponse(c) => ("add_response", json!({"code": c.code})),
        M::Update(r) => ("update", json!({"tasks": tasks(&r.tasks)})),
        M::UpdateResponse(c) => ("update_response", json!({"code": c.code})),
        M::Delete(r) => ("delete", json!({"ids": ids(&r.ids)})),
        M::DeleteResponse(r) => ("delete_response", ids_response(r.code, r.ids.as_ref())),
        M::Query(r) => ("query", json!({"ids": ids(&r.ids)})),
        M::QueryResponse(r) => (
            "query_response",
            json!({"feed_id": text(r.feed_id.as_bytes()), "tasks": tasks(&r.tasks)}),
        ),
        M::Stop(r) => ("stop", json!({"ids": ids(&r.ids)})),
        M::StopResponse(r) => ("stop_response", ids_response(r.code, r.ids.as_ref())),
        M::Restart(r) => ("restart", json!({"ids": ids(&r.ids)})),
        M::RestartResponse(r) => ("restart_response", ids_response(r.code, r.ids.as_ref())),
        M::ReportResult(r) => (
            "report_result",
            json!({"results": r.results.iter().map(|t| json!({
                "id": t.id, "step": t.step, "code": t.code,
            })).collect::<Vec<_>>()}),
        ),
        M::ReportResultResponse(r) => (
            "report_result_response",
            json!({"received": r.received.iter().map(|t| json!({
                "id": t.id, "step": t.step,
            })).collect::<Vec<_>>()}),
        ),
        M::ReportAdd(r) => ("report_add", json!({"tasks": tasks(&r.tasks)})),
        M::ReportAddResponse(r) => ("report_add_response", json!({"code": r.code, "id": r.id})),
        M::ReportDelete(r) => ("report_delete", json!({"ids": ids(&r.ids)})),
        M::ReportDeleteResponse(r) => (
            "report_delete_response",
            ids_response(r.code, r.ids.as_ref()),
        ),
        M::ReportUpdate(r) => ("report_update", json!({"tasks": tasks(&r.tasks)})),
        M::ReportUpdateResponse(c) => ("report_update_response", json!({"code": c.code})),
        M::ReportSnapshot(r) => (
            "report_snapshot",
            json!({"feed_id": text(r.feed_id.as_bytes()), "tasks": tasks(&r.tasks)}),
        ),
        M::ReportSnapshotResponse(r) => (
            "report_snapshot_response",
            ids_response(r.code, r.ids.as_ref()),
        ),
        _ => ("unknown", json!({})),
    };
    obj.insert("timer_kind".into(), json!(kind));
    if let Value::Object(f) = fields {
        obj.extend(f);
    }
}

fn ids(list: &List<'_, i32>) -> Vec<i32> {
    list.iter().collect()
}

/// `code` and `ids` (`null` when the SDK left them uninitialised, compat §9).
fn ids_response(code: i32, list: Option<&List<'_, i32>>) -> Value {
    json!({"code": code, "ids": list.map(ids)})
}

fn text(bytes: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

fn tasks(list: &List<'_, Task<'_>>) -> Vec<Value> {
    list.iter().map(|t| task(&t)).collect()
}

/// The library's JSON form of a task ([`Task::to_json`]), plus `<name>_error` for each
/// expression joylink-timer does not read.
fn task(t: &Task<'_>) -> Value {
    let mut v = t.to_json();
    if let Value::Object(o) = &mut v {
        for name in ["time_exp", "start_exp", "stop_exp"] {
            let err = o
                .get(name)
                .and_then(Value::as_str)
                .and_then(|e| TimeExp::parse_bytes(e.as_bytes()).err());
            if let Some(e) = err {
                o.insert(format!("{name}_error"), json!(e.to_string()));
            }
        }
    }
    v
}
