// Measures where Hugging Face tokenizers' pair truncation (longest_first) differs from lossbook's
// TruncateLongestFirst, which follows the Rust truncate_encodings on whole encodings (tokenizers up to 0.22;
// Python tokenizers 0.22.1 agrees in all 2,366 cases of this grid).
// Since 0.23.0 the Rust Tokenizer first stops tokenizing each sequence at max_length tokens, then truncates;
// two long sequences then look equally long and the odd token goes to the second. It prints the cases that
// differ (tokenizers 0.23.2: 70 of 2,366); lossbook's tests do not run it.
//
// Run: cd lib/tokenize/testdata && npm install --no-save --prefix /tmp/tok tokenizers@0.23.2 &&
//      NODE_PATH=/tmp/tok/node_modules node truncation_hf.mjs
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(process.env.NODE_PATH + "/");
const tk = require("tokenizers");
const version = JSON.parse(readFileSync(process.env.NODE_PATH + "/tokenizers/package.json", "utf8")).version;

const vocabList = readFileSync("vocab_fixture.txt", "utf8").split("\n").filter((t) => t !== "");
const vocab = Object.fromEntries(vocabList.map((t, i) => [t, i]));
const tok = new tk.Tokenizer(tk.WordPiece.init(vocab, { unkToken: "[UNK]" }));
tok.setNormalizer(tk.bertNormalizer({ lowercase: true }));
tok.setPreTokenizer(tk.bertPreTokenizer());
tok.setPostProcessor(tk.bertProcessing(["[SEP]", vocab["[SEP]"]], ["[CLS]", vocab["[CLS]"]]));

// lossbook's TruncateLongestFirst (lib/tokenize/encode.go), on lengths.
function lossbook(la, lb, budget) {
  if (la + lb <= budget) return [la, lb];
  let [n1, n2] = la > lb ? [lb, la] : [la, lb];
  n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
  if (n1 + n2 > budget) { n1 = Math.floor(budget / 2); n2 = n1 + (budget % 2); }
  if (la > lb) [n1, n2] = [n2, n1];
  return [Math.min(n1, la), Math.min(n2, lb)];
}

let cases = 0;
const differ = [];
for (let maxLength = 3; maxLength <= 16; maxLength++) {
  tok.setTruncation(maxLength, { strategy: "LongestFirst" });
  for (let la = 0; la <= 12; la++) for (let lb = 0; lb <= 12; lb++) {
    // One token per word: "the" and "earth" are in the vocabulary.
    const e = await tok.encode(Array(la).fill("the").join(" "), Array(lb).fill("earth").join(" "));
    const ids = e.getIds();
    const hf = [ids.filter((id) => id === vocab["the"]).length, ids.filter((id) => id === vocab["earth"]).length];
    const lb_ = lossbook(la, lb, maxLength - 3);
    cases++;
    if (hf[0] !== lb_[0] || hf[1] !== lb_[1]) differ.push({ la, lb, maxLength, huggingFace: hf, lossbook: lb_ });
  }
}
console.log(`tokenizers ${version}: ${differ.length} of ${cases} pairs truncated differently from lossbook`);
for (const d of differ.slice(0, 10)) console.log(JSON.stringify(d));
