//! Static-asset requests (stylesheets, scripts, images, fonts, media, documents), recognised
//! by the file extension of the request path; they are never pageviews.

/// Extensions (lowercase) of static files.
const ASSET_EXTENSIONS: &[&str] = &[
    "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp",
    "woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "ogg", "wav", "json", "xml", "txt",
    "pdf", "zip", "gz",
];

/// True when the request target's path (before `?` or `#`) ends in a static-file extension,
/// case-insensitively: `/app.CSS?v=3` is an asset, `/pricing` and `/post.html` are not.
pub fn is_asset(target: &str) -> bool {
    let path = target.split(['?', '#']).next().unwrap_or(target);
    let file_name = path.rsplit('/').next().unwrap_or(path);
    file_name.rsplit_once('.').is_some_and(|(_, extension)| {
        ASSET_EXTENSIONS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(extension))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_files_are_assets() {
        for target in [
            "/static/app.3f9c.css",
            "/app.js",
            "/img/logo.SVG",
            "/fonts/inter.woff2?v=3",
            "/favicon.ico",
            "/robots.txt",
            "/sitemap.xml",
            "/docs/guide.pdf#page=2",
            "/archive.tar.gz",
            "https://www.acme.test/img/hero.webp",
        ] {
            assert!(is_asset(target), "{target}");
        }
    }

    #[test]
    fn pages_are_not_assets() {
        for target in [
            "/",
            "/pricing",
            "/blog/post.html",
            "/a.php",
            "/v1.2/docs",
            "/search?q=a.css",
            "/page#x.js",
            "/x.",
            "/.well-known/",
            "",
            "https://www.acme.test",
            "/😀.cssé",
        ] {
            assert!(!is_asset(target), "{target}");
        }
    }
}
