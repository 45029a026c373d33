// The matching rules of graph/normalize.py and graph/related_index.name_key, in JavaScript.
// The character table is not repeated here: the exporter embeds normalize.RULES, so Python and
// the explorer cannot drift apart; only the order of the steps is mirrored.
"use strict";

function makeNormalizer(rules) {
  let marks = "", letters = {};
  for (const [ch, rep] of Object.entries(rules)) {
    if (rep === "") marks += ch; else letters[ch] = rep;
  }
  const escape = (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
  const markRe = new RegExp("[" + Array.from(marks, escape).join("") + "]+", "gu");
  const letterRe = new RegExp("[" + Object.keys(letters).map(escape).join("") + "]", "gu");
  // Python's \w: letters, numbers and the underscore, but not combining marks.
  const wordRe = /[\p{L}\p{N}_]+/gu;
  const parenRe = /\(([^()]*)\)/g;

  // Upper then lower case approximates str.casefold (ß -> ss, final sigma -> sigma).
  function fold(text) {
    text = text.toUpperCase().toLowerCase().replace(/\u03c2/g, "\u03c3").replace(markRe, "");
    return text.normalize("NFKC").replace(letterRe, (c) => letters[c]);
  }
  function normalize(text) {
    return fold(text).split(/\s+/u).filter(Boolean).join(" ");
  }
  function nameKey(text) {
    return (normalize(text).match(wordRe) || []).join(" ");
  }
  function nameKeys(text) {
    if (!text.includes("(")) return [nameKey(text)];
    const keys = [nameKey(text), nameKey(text.replace(parenRe, " "))];
    for (const m of text.matchAll(parenRe)) keys.push(nameKey(m[1]));
    return [...new Set(keys)].filter(Boolean);
  }
  return { fold, normalize, nameKey, nameKeys };
}

if (typeof module !== "undefined") module.exports = { makeNormalizer };
