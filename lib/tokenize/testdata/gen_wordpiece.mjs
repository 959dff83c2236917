// Writes wordpiece_golden.json: the tokens and ids that Hugging Face's tokenizers (as its pure-JS port
// @huggingface/tokenizers implements BertNormalizer, BertPreTokenizer, WordPiece and the BERT template) give for
// vocab_fixture.txt, uncased and cased. lossbook's Go tests compare against it; they never run Node.
//
// Run: cd lib/tokenize/testdata && npm install --no-save --prefix /tmp/tjs @huggingface/tokenizers@0.2.0 &&
//      NODE_PATH=/tmp/tjs/node_modules node gen_wordpiece.mjs
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
const require = createRequire(process.env.NODE_PATH + "/");
const { Tokenizer } = require("@huggingface/tokenizers");
const version = JSON.parse(readFileSync(process.env.NODE_PATH + "/@huggingface/tokenizers/package.json", "utf8")).version;

const vocabList = readFileSync("vocab_fixture.txt", "utf8").split("\n").filter((t) => t !== "");
const vocab = Object.fromEntries(vocabList.map((t, i) => [t, i]));
const specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

function tokenizerJSON(lowercase) {
  const special = (t) => ({ id: t, ids: [vocab[t]], tokens: [t] });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials.map((t) => ({
      id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } }, { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: { "[CLS]": special("[CLS]"), "[SEP]": special("[SEP]") },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
  };
}

const texts = [
  "Hello, World!",
  "The unaffable runner's running.",
  "Café naïve CAFÉ",
  "EN el principio creó Dios los cielos y la tierra.",
  "In the beginning God created the heaven and the earth.",
  "中国人 and 東京 tests",
  "tab\there\nnewline\r\nand  spaces",
  "control\u0000chars\u0007gone\u200b here\ufffd",
  "¿Qué? ¡Sí! “quoted” — dash… $5 ^caret `tick` ~tilde",
  "a [MASK] token and [SEP] inside",
  "x".repeat(101) + " short",
  "zzzz qqqq unknownable",
  "",
  "   ",
  "ＦＵＬＬ width ａｂｃ",
  "Ünïcödé àccents çedilla",
];
const pairs = [
  ["Hello, World!", "The earth."],
  ["In the beginning", "EN el principio"],
];
const out = { generator: "@huggingface/tokenizers " + version, command: "node gen_wordpiece.mjs", date: new Date().toISOString().slice(0, 10), cases: [] };
for (const lowercase of [true, false]) {
  const tok = new Tokenizer(tokenizerJSON(lowercase), { model_max_length: 512, do_lower_case: lowercase });
  for (const text of texts) {
    const e = tok.encode(text, { add_special_tokens: false });
    out.cases.push({ lowercase, text, tokens: e.tokens, ids: e.ids });
  }
  for (const [a, b] of pairs) {
    const e = tok.encode(a, { text_pair: b, return_token_type_ids: true });
    out.cases.push({ lowercase, text: a, pair: b, tokens: e.tokens, ids: e.ids, token_type_ids: e.token_type_ids });
  }
}
writeFileSync("wordpiece_golden.json", JSON.stringify(out, null, 1) + "\n");
