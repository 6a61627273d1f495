//! The custom-report maker the worker runs: renders a report (CSV or PDF) with the reports
//! module and keeps the file in the object store under `reports/<store>/<id>.<format>`.

use crate::objects::Objects;
use kassa_app::jobs::{MadeReport, ReportMaker};
use kassa_db::{Db, ReportRow};
use std::future::Future;
use std::pin::Pin;

/// Makes report files into `objects`.
pub struct ObjectReportMaker {
    pub objects: Objects,
}

/// Where a report's file is kept.
pub fn object_key(report: &ReportRow) -> String {
    format!("reports/{}/{}.{}", report.store_id, report.id, report.format)
}

impl ReportMaker for ObjectReportMaker {
    fn make<'a>(
        &'a self,
        _db: &'a Db,
        report: &'a ReportRow,
    ) -> Pin<Box<dyn Future<Output = Result<MadeReport, String>> + Send + 'a>> {
        Box::pin(async move {
            Err(format!(
                "report {} ({} {}): the report renderers are not built in yet",
                report.id, report.kind, report.format
            ))
        })
    }

    fn delete<'a>(&'a self, object_key: &'a str) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(self.objects.delete(object_key))
    }
}
