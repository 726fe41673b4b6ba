import RCCrypto
import RCHTTP

/// The pages the person sees in the browser: self-contained HTML and CSS, readable in light
/// and dark mode, never showing a code or a token, and sent with headers that keep them out
/// of caches, frames and Referer headers.
enum Page {
    enum Tone {
        case success, failure, info

        var mark: String {
            switch self {
            case .success: "✓"
            case .failure: "✕"
            case .info: "i"
            }
        }

        var cssClass: String {
            switch self {
            case .success: "ok"
            case .failure: "bad"
            case .info: "info"
            }
        }
    }

    private static let style = """
        :root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--text:#1c2330;--muted:#5b6472;--ok:#1a7f37;--bad:#c62828;--info:#2f5fb3;--line:#dde1e7}
        @media (prefers-color-scheme:dark){:root{--bg:#14171c;--card:#1d2128;--text:#e6e9ee;--muted:#a3abb8;--ok:#4cc26e;--bad:#ff6b6b;--info:#7aa7ff;--line:#2c323b}}
        *{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        main{width:min(34rem,calc(100% - 4rem));margin:2rem;padding:2rem 2.25rem;background:var(--card);border:1px solid var(--line);border-radius:12px}
        .mark{display:inline-flex;width:2.5rem;height:2.5rem;border-radius:50%;align-items:center;justify-content:center;font-weight:700;color:var(--card);margin-bottom:.75rem}
        .ok .mark{background:var(--ok)}.bad .mark{background:var(--bad)}.info .mark{background:var(--info)}
        h1{font-size:1.35rem;margin:0 0 .5rem}p{margin:.5rem 0}.muted{color:var(--muted);font-size:.9rem}
        code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--bg);padding:.1em .3em;border-radius:4px;overflow-wrap:anywhere}
        a{color:var(--info)}ul{padding-left:1.2rem}
        """

    /// `style-src` allows exactly this stylesheet, by hash: no inline script or other style can run.
    static let contentSecurityPolicy: String = {
        let hash = Base64.encode(SHA256.hash(style))
        return "default-src 'none'; style-src 'sha256-\(hash)'; img-src 'none'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    }()

    /// A full page. `body` is HTML that the caller has built from escaped text.
    static func render(title: String, tone: Tone, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <meta name="referrer" content="no-referrer"><title>\(HTML.escape(title)) · redirect-catcher</title>
        <style>\(style)</style></head>
        <body><main class="\(tone.cssClass)"><div class="mark" aria-hidden="true">\(tone.mark)</div>
        <h1>\(HTML.escape(title))</h1>
        \(body)
        <p class="muted">redirect-catcher</p></main></body></html>
        """
    }

    /// An HTML response with the headers every page carries.
    static func response(status: Int, html: String) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: HTTPHeaders([
                ("Content-Type", "text/html; charset=utf-8"),
                ("Cache-Control", "no-store"),
                ("Pragma", "no-cache"),
                ("Content-Security-Policy", contentSecurityPolicy),
                ("Referrer-Policy", "no-referrer"),
                ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"),
            ]),
            body: Array(html.utf8))
    }

    /// A plain error page: a title and one escaped sentence.
    static func error(status: Int, title: String, detail: String) -> HTTPResponse {
        response(status: status, html: render(title: title, tone: .failure, body: "<p>\(HTML.escape(detail))</p>"))
    }
}
