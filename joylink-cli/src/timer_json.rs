//! The fields of a type-13 timer message (spec chapter 10) as JSON, from the WAN decoder's typed
//! [`TimerMessage`]: what `decode` shows for the `timer` body besides the preamble; expressions
//! are read by joylink-timer. Names are documented in the crate README.

use joylink::timer::TimeExp;
use joylink::wire::wan::timer::{
    CmdTrank, ExpText, List, Task, TaskBody, TaskSource, TaskState, TimerMessage,
};
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

/// A `time_exp_t`: its text, and `…_error` when it is not a valid expression.
fn put_exp(obj: &mut Map<String, Value>, name: &str, exp: &ExpText<'_>) {
    obj.insert(name.to_owned(), text(exp.0));
    if let Err(e) = TimeExp::parse_bytes(exp.as_bytes()) {
        obj.insert(format!("{name}_error"), json!(e.to_string()));
    }
}

/// A `cmd_trank_t`: each command as text when it is printable UTF-8, else as hex.
fn cmds(trank: &CmdTrank<'_>) -> Value {
    trank
        .cmds
        .iter()
        .map(|c| match std::str::from_utf8(c.0) {
            Ok(s) if !s.chars().any(char::is_control) => json!(s),
            _ => json!({"hex": hex::encode(c.0)}),
        })
        .collect()
}

fn state_name(s: TaskState) -> String {
    match s {
        TaskState::Stopped => "stopped".into(),
        TaskState::Started => "started".into(),
        other => format!("{}", u8::from(other)),
    }
}

fn source_name(s: TaskSource) -> String {
    match s {
        TaskSource::User => "user".into(),
        TaskSource::Remote => "remote".into(),
        TaskSource::Panel => "panel".into(),
        other => format!("{}", u8::from(other)),
    }
}

fn tasks(list: &List<'_, Task<'_>>) -> Vec<Value> {
    list.iter().map(|t| task(&t)).collect()
}

fn task(t: &Task<'_>) -> Value {
    let head = t.body.head();
    let mut o = Map::new();
    o.insert("id".into(), json!(head.id));
    o.insert("version".into(), json!(t.version));
    o.insert("mode".into(), json!(t.body.mode()));
    let mode_name = match t.body {
        TaskBody::Base(_) => "base",
        TaskBody::Period(_) => "period",
        TaskBody::Cycle(_) => "cycle",
        TaskBody::Countdown(_) => "countdown",
    };
    o.insert("mode_name".into(), json!(mode_name));
    o.insert("state".into(), json!(state_name(head.state)));
    o.insert("source".into(), json!(source_name(head.source)));
    if let Some(label) = &t.label {
        o.insert("feed_id".into(), text(label.feed_id.as_bytes()));
        o.insert("name".into(), text(label.name.as_bytes()));
    }
    match &t.body {
        TaskBody::Base(b) => {
            put_exp(&mut o, "time_exp", &b.exp);
            o.insert("cmds".into(), cmds(&b.cmds));
        }
        TaskBody::Period(p) => {
            put_exp(&mut o, "start_exp", &p.start_exp);
            put_exp(&mut o, "stop_exp", &p.stop_exp);
            o.insert("repeat_flag".into(), json!(p.repeat_flag));
            o.insert("period_type".into(), json!(p.period_type));
            let days: Vec<usize> = p
                .period
                .iter()
                .enumerate()
                .filter(|(_, on)| **on != 0)
                .map(|(i, _)| i)
                .collect();
            o.insert("period_days".into(), json!(days));
            o.insert("start_cmds".into(), cmds(&p.start_cmds));
            o.insert("stop_cmds".into(), cmds(&p.stop_cmds));
        }
        TaskBody::Cycle(c) => {
            o.insert("action_interval".into(), json!(c.action_interval));
            o.insert("sleep_interval".into(), json!(c.sleep_interval));
            o.insert("times".into(), json!(c.times));
            o.insert("action_cmds".into(), cmds(&c.action_cmds));
            o.insert("sleep_cmds".into(), cmds(&c.sleep_cmds));
        }
        TaskBody::Countdown(c) => {
            o.insert("interval".into(), json!(c.interval));
            o.insert("action_cmds".into(), cmds(&c.action_cmds));
            o.insert("stop_cmds".into(), cmds(&c.stop_cmds));
        }
    }
    Value::Object(o)
}
