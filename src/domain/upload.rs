//! Which evidence files are accepted: the type is read from the bytes, checked
//! against an allow-list and against the name's extension.

use super::values::Invalid;

/// A file type we accept, detected from the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// GIF image.
    Gif,
    /// WebP image.
    Webp,
    /// PDF document.
    Pdf,
    /// MP4 video.
    Mp4,
    /// UTF-8 plain text.
    Text,
}

impl FileType {
    /// The MIME type the file is served with.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Gif => "image/gif",
            FileType::Webp => "image/webp",
            FileType::Pdf => "application/pdf",
            FileType::Mp4 => "video/mp4",
            FileType::Text => "text/plain; charset=utf-8",
        }
    }

    /// The type of a stored MIME string.
    pub fn from_mime(mime: &str) -> Option<FileType> {
        [
            FileType::Png,
            FileType::Jpeg,
            FileType::Gif,
            FileType::Webp,
            FileType::Pdf,
            FileType::Mp4,
            FileType::Text,
        ]
        .into_iter()
        .find(|t| t.mime() == mime)
    }

    /// French label shown in the evidence list.
    pub fn label(self) -> &'static str {
        match self {
            FileType::Png => "Image PNG",
            FileType::Jpeg => "Image JPEG",
            FileType::Gif => "Image GIF",
            FileType::Webp => "Image WebP",
            FileType::Pdf => "Document PDF",
            FileType::Mp4 => "Vidéo MP4",
            FileType::Text => "Texte",
        }
    }

    /// Whether the file may be shown inline as an image preview.
    pub fn is_image(self) -> bool {
        matches!(
            self,
            FileType::Png | FileType::Jpeg | FileType::Gif | FileType::Webp
        )
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Png => &["png"],
            FileType::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            FileType::Gif => &["gif"],
            FileType::Webp => &["webp"],
            FileType::Pdf => &["pdf"],
            FileType::Mp4 => &["mp4", "m4v"],
            FileType::Text => &["txt", "text", "log", "csv"],
        }
    }
}

/// The message for a refused file, tied to the upload field.
pub const REFUSED_TYPE: &str = "Ce type de fichier n'est pas accepté. Formats acceptés : images PNG, JPEG, GIF ou WebP, documents PDF, vidéos MP4 et texte brut.";
/// The message for a file whose content does not match its name.
pub const LYING_TYPE: &str =
    "Le contenu de ce fichier ne correspond pas à son extension : il a été refusé.";

/// Detects the type of `bytes` and checks it against the allow-list and
/// against the extension of `file_name`.
pub fn detect(file_name: &str, bytes: &[u8]) -> Result<FileType, Invalid> {
    let text = !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok();
    detect_head(file_name, bytes, text)
}

/// `detect` for a file read as a stream: its first bytes (a few KiB), and
/// whether the whole of it is UTF-8 with no NUL byte.
pub fn detect_head(file_name: &str, head: &[u8], utf8_text: bool) -> Result<FileType, Invalid> {
    let detected = match infer::get(head).map(|t| t.mime_type()) {
        Some("image/png") => FileType::Png,
        Some("image/jpeg") => FileType::Jpeg,
        Some("image/gif") => FileType::Gif,
        Some("image/webp") => FileType::Webp,
        Some("application/pdf") => FileType::Pdf,
        Some("video/mp4") => FileType::Mp4,
        Some(_) => return Err(Invalid(REFUSED_TYPE)),
        None if utf8_text && is_plain_text(head) => FileType::Text,
        None => return Err(Invalid(REFUSED_TYPE)),
    };
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if ext.is_empty() || detected.extensions().contains(&ext.as_str()) {
        return Ok(detected);
    }
    let known = [
        FileType::Png,
        FileType::Jpeg,
        FileType::Gif,
        FileType::Webp,
        FileType::Pdf,
        FileType::Mp4,
        FileType::Text,
    ]
    .iter()
    .any(|t| t.extensions().contains(&ext.as_str()));
    if known {
        Err(Invalid(LYING_TYPE))
    } else {
        Err(Invalid(REFUSED_TYPE))
    }
}

/// Text (already known to be UTF-8 without NUL) that is not empty and does
/// not start like markup (HTML, SVG, XML), which a browser could be talked
/// into rendering. `head` may end in the middle of a character.
fn is_plain_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
    };
    let start = valid.trim_start_matches('\u{feff}').trim_start();
    !head.is_empty() && !start.starts_with('<')
}

/// Keeps a file name for display only: no path, no control characters, at
/// most 200 characters. The stored file never uses it.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "fichier".to_owned()
    } else {
        cleaned.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n";

    #[test]
    fn accepts_allowed_types_from_bytes() {
        assert_eq!(detect("capture.png", PNG), Ok(FileType::Png));
        assert_eq!(detect("capture", PNG), Ok(FileType::Png));
        assert_eq!(detect("plainte.PDF", PDF), Ok(FileType::Pdf));
        assert_eq!(
            detect("notes.txt", "Bonjour, voilà".as_bytes()),
            Ok(FileType::Text)
        );
    }

    #[test]
    fn refuses_markup_executables_and_liars() {
        assert_eq!(
            detect("a.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"),
            Err(Invalid(REFUSED_TYPE))
        );
        assert_eq!(
            detect("a.txt", b"  <html><script>x</script>"),
            Err(Invalid(REFUSED_TYPE))
        );
        assert_eq!(
            detect("a.exe", b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff"),
            Err(Invalid(REFUSED_TYPE))
        );
        assert_eq!(
            detect("a.elf", b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"),
            Err(Invalid(REFUSED_TYPE))
        );
        assert_eq!(detect("photo.jpg", PNG), Err(Invalid(LYING_TYPE)));
        assert_eq!(detect("photo.png", b"just text"), Err(Invalid(LYING_TYPE)));
        assert_eq!(detect("photo.html", PNG), Err(Invalid(REFUSED_TYPE)));
        assert_eq!(detect("vide.txt", b""), Err(Invalid(REFUSED_TYPE)));
        assert_eq!(detect("bin.txt", b"ab\0cd"), Err(Invalid(REFUSED_TYPE)));
    }

    #[test]
    fn file_names_lose_their_path() {
        assert_eq!(clean_file_name("C:\\Users\\x\\capture.png"), "capture.png");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\u{0}b"), "ab");
        assert_eq!(clean_file_name(""), "fichier");
    }
}
