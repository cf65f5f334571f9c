//! A forwarded `pdf`: the downloads run in the reader's process (its store records where each
//! PDF went), a line per paper as progress, then the summary; the command line prints both
//! exactly as a direct run does. The directory comes resolved from the caller.

use std::sync::Arc;

use super::Context;
use super::connection::Replies;
use super::protocol::code;
use crate::pdf::{PdfDownloader, PdfParams, PdfSettings, PdfSummary, download_line};
use crate::server::commands::parse_ids;
use crate::sync::ServerWaits;

pub(super) async fn pdf(
    context: &Arc<Context>,
    params: PdfParams,
    replies: &mut Replies<'_>,
) -> std::io::Result<()> {
    let ids = match parse_ids(&params.ids) {
        Ok(ids) => ids,
        Err(error) => return replies.error(code::BAD_PARAMS, error.to_string()).await,
    };
    let settings = PdfSettings::from_config(&context.config);
    let downloader =
        match PdfDownloader::new(context.store.clone(), settings, ServerWaits::default()) {
            Ok(downloader) => downloader,
            Err(error) => return replies.error(code::FAILED, error.to_string()).await,
        };
    let mut summary = PdfSummary::default();
    for id in &ids {
        let line = download_line(&downloader, id, &params.dir).await;
        summary.count(&line);
        replies.progress(&line).await?;
    }
    if summary.saved > 0 {
        // The reader shows the new files (detail, has:pdf) on its next load.
        let _ = context.inbox.send(crate::app::Msg::StoreChanged);
    }
    replies.ok(&summary).await
}
