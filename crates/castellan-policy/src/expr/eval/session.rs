//! One evaluation: the object table, collected messages and log, the budget bookkeeping,
//! and the loop that drives monty from suspension to suspension.
use std::time::{Duration, Instant};

use chrono::{Datelike, Timelike};
use monty::RunProgress;
use monty_types::{
    ExcType, ExtFunctionResult, MontyDate, MontyDateTime, MontyException, MontyObject,
    NameLookupResult, OsFunctionCall, PrintWriter,
};
use serde_json::{Map, Value};

use super::objects::Objects;
use crate::expr::compile::Compiled;
use crate::expr::{Budget, ExprError, ExprHost};

/// Prefix of the message of exceptions raised for failed host calls.
pub(crate) const HOST_ERROR: &str = "castellan:host: ";

/// Cap on collected `print()` output.
const PRINT_CAP: usize = 64 * 1024;

/// What a suspension handler answers.
pub(crate) enum Reply {
    /// Resume with this value.
    Value(MontyObject),
    /// Raise this Python exception at the call.
    Raise(ExcType, String),
}

impl From<Reply> for ExtFunctionResult {
    fn from(reply: Reply) -> Self {
        match reply {
            Reply::Value(v) => Self::Return(v),
            Reply::Raise(t, m) => Self::Error(MontyException::new(t, Some(m))),
        }
    }
}

/// The state of one evaluation.
pub(crate) struct Session<'a> {
    pub(crate) compiled: &'a Compiled,
    pub(crate) vars: &'a Map<String, Value>,
    pub(crate) objects: Objects<'a>,
    pub(crate) messages: Vec<String>,
    pub(crate) log: Vec<String>,
    pub(crate) print: String,
    budget: &'a Budget,
    engine_time: Duration,
    suspensions: usize,
}

impl<'a> Session<'a> {
    /// A fresh session.
    pub(crate) fn new(
        compiled: &'a Compiled,
        vars: &'a Map<String, Value>,
        budget: &'a Budget,
    ) -> Self {
        Self {
            compiled,
            vars,
            objects: Objects::default(),
            messages: Vec::new(),
            log: Vec::new(),
            print: String::new(),
            budget,
            engine_time: Duration::ZERO,
            suspensions: 0,
        }
    }

    fn account(&mut self, vm_time: Duration) -> Result<(), ExprError> {
        self.suspensions += 1;
        if self.suspensions > self.budget.max_host_calls {
            return Err(ExprError::Resource(format!(
                "more than {} host calls",
                self.budget.max_host_calls
            )));
        }
        if vm_time + self.engine_time > self.budget.time {
            return Err(ExprError::Timeout);
        }
        Ok(())
    }

    /// Runs `progress` to completion, answering every suspension.
    pub(crate) async fn drive(
        &mut self,
        mut progress: RunProgress,
        host: &mut dyn ExprHost,
    ) -> Result<MontyObject, ExprError> {
        loop {
            progress = match progress {
                RunProgress::Complete(value) => return Ok(value),
                RunProgress::FunctionCall(call) => {
                    self.account(call.tracker().elapsed())?;
                    let started = Instant::now();
                    let (reply, host_time) = self
                        .call(
                            &call.function_name,
                            call.object_id,
                            &call.args,
                            &call.kwargs,
                            host,
                        )
                        .await?;
                    self.engine_time += started.elapsed().saturating_sub(host_time);
                    let mut print = std::mem::take(&mut self.print);
                    let next = call.resume(
                        reply,
                        PrintWriter::CollectString(&mut print, Some(PRINT_CAP)),
                    );
                    self.print = print;
                    next.map_err(|e| self.error(e))?
                }
                RunProgress::NameLookup(lookup) => {
                    self.account(lookup.tracker().elapsed())?;
                    let started = Instant::now();
                    let answer = match lookup.object_id() {
                        Some(id) => self.lazy_attr(id, &lookup.name),
                        None => NameLookupResult::Undefined,
                    };
                    self.engine_time += started.elapsed();
                    let mut print = std::mem::take(&mut self.print);
                    let next = lookup.resume(
                        answer,
                        PrintWriter::CollectString(&mut print, Some(PRINT_CAP)),
                    );
                    self.print = print;
                    next.map_err(|e| self.error(e))?
                }
                RunProgress::OsCall(call) => {
                    self.account(call.tracker().elapsed())?;
                    let reply = os_call(&call.function_call);
                    let mut print = std::mem::take(&mut self.print);
                    let next = call.resume(
                        reply,
                        PrintWriter::CollectString(&mut print, Some(PRINT_CAP)),
                    );
                    self.print = print;
                    next.map_err(|e| self.error(e))?
                }
                RunProgress::ResolveFutures(_) => {
                    return Err(ExprError::runtime(
                        "RuntimeError: async code is not supported in expressions",
                    ));
                }
            };
        }
    }

    /// Maps a monty exception to an [`ExprError`].
    pub(crate) fn error(&self, exc: MontyException) -> ExprError {
        let message = exc.message().unwrap_or_default();
        match exc.exc_type() {
            ExcType::TimeoutError if message.starts_with("time limit exceeded") => {
                return ExprError::Timeout;
            }
            ExcType::MemoryError if message.starts_with("memory limit exceeded") => {
                return ExprError::Resource(message.to_owned());
            }
            ExcType::RuntimeError if message == crate::expr::compile::SKIP_MARKER => {
                return ExprError::Skip;
            }
            ExcType::RuntimeError if message.starts_with(HOST_ERROR) => {
                return ExprError::Host(message.trim_start_matches(HOST_ERROR).to_owned());
            }
            _ => {}
        }
        ExprError::Runtime {
            message: exc.summary(),
            line: self.compiled.program.error_line(&exc),
        }
    }
}

/// Answers OS-level calls: only the clock is available.
fn os_call(call: &OsFunctionCall) -> Reply {
    let now = chrono::Utc::now();
    match call {
        OsFunctionCall::DateToday => Reply::Value(MontyObject::Date(MontyDate {
            year: now.year(),
            month: u8::try_from(now.month()).unwrap_or(1),
            day: u8::try_from(now.day()).unwrap_or(1),
        })),
        OsFunctionCall::DateTimeNow(tz) => {
            let offset = tz.as_ref().map(|tz| tz.offset_seconds);
            let local = now + chrono::Duration::seconds(i64::from(offset.unwrap_or(0)));
            Reply::Value(MontyObject::DateTime(MontyDateTime {
                year: local.year(),
                month: u8::try_from(local.month()).unwrap_or(1),
                day: u8::try_from(local.day()).unwrap_or(1),
                hour: u8::try_from(local.hour()).unwrap_or(0),
                minute: u8::try_from(local.minute()).unwrap_or(0),
                second: u8::try_from(local.second()).unwrap_or(0),
                microsecond: local.nanosecond() / 1000 % 1_000_000,
                offset_seconds: offset,
                timezone_name: tz.as_ref().and_then(|tz| tz.name.clone()),
            }))
        }
        _ => Reply::Raise(
            ExcType::PermissionError,
            "expressions have no access to files, the environment or the operating system"
                .to_owned(),
        ),
    }
}
