//! The upload form's field and every DOM id of the files module, declared once: the views
//! render them, the handlers answer htmx requests by them (`HX-Target`), and the tests find
//! elements by them. `assets/upload.js` finds the form by its `data-upload-form` attribute,
//! not by an id.

/// The form field the files come in (`name` of the file input, and the multipart part read).
pub const FILE_FIELD: &str = "file";

/// The upload form.
pub const UPLOAD_FORM: &str = "file-upload";
/// The upload form's heading, which names its section.
pub const UPLOAD_TITLE: &str = "file-upload-title";
/// The file input (what a problem in the error summary links to).
pub const UPLOAD_INPUT: &str = "file-upload-file";
/// The hint under the file input: the size limit and the accepted types.
pub const UPLOAD_HINT: &str = "file-upload-hint";
/// The summary of what was wrong with the last upload.
pub const UPLOAD_ERRORS: &str = "file-upload-errors";

/// The list's heading, which names its section.
pub const LIST_TITLE: &str = "file-list-title";
/// The row that loads the next page of the list, which the next page replaces: an htmx
/// request targeting it gets the rows alone.
pub const MORE: &str = "files-more";

/// The meters of what the account stores, against its quota.
pub const USAGE_BYTES: &str = "file-usage-bytes";
pub const USAGE_FILES: &str = "file-usage-files";
