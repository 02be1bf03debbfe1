/* Lentera certificate check in the browser: Base32 text -> COSE_Sign1 (CBOR) -> Ed25519 signature over the
   RFC 9052 Sig_structure, checked with WebCrypto against the published key set. The service worker (sw.js) keeps the
   key set and this page's shell, so the signature can be checked without signal; the status shown then is the one
   last seen online. Progressive enhancement only: the server's verdict stands on its own. */
(function () {
  "use strict";

  var box = document.getElementById("browser-check");
  if (!box) return;
  var data = box.dataset;
  var text = box.querySelector(".browser-check-text");
  var CERTIFICATE_CLAIM = -65537;
  var STATUS_PREFIX = "lentera-status:";

  if ("serviceWorker" in navigator && data.swUrl) {
    navigator.serviceWorker.register(data.swUrl, { scope: "/" }).catch(function () { /* offline use only */ });
  }

  function show(state, message) {
    box.hidden = false;
    box.dataset.state = state;
    text.textContent = message;
  }

  /* --- Base32 (RFC 4648, no padding) ------------------------------------------------------------------------ */
  function base32Decode(input) {
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    var clean = input.replace(/\s+/g, "").replace(/=+$/, "").toUpperCase();
    var out = [], bits = 0, value = 0;
    for (var i = 0; i < clean.length; i++) {
      var index = alphabet.indexOf(clean.charAt(i));
      if (index < 0) throw new Error("bad_base32");
      value = (value << 5) | index;
      bits += 5;
      if (bits >= 8) {
        out.push((value >>> (bits - 8)) & 255);
        bits -= 8;
      }
    }
    return new Uint8Array(out);
  }

  /* --- the CBOR subset of a token: integers, byte and text strings, arrays, maps, tags, false/true/null ------- */
  function decodeCbor(bytes) {
    var pos = 0, depth = 0;
    function need(n) { if (pos + n > bytes.length) throw new Error("bad_cbor"); }
    function head() {
      need(1);
      var initial = bytes[pos++], major = initial >> 5, info = initial & 31, length;
      if (info < 24) length = info;
      else if (info === 24) { need(1); length = bytes[pos]; pos += 1; }
      else if (info === 25) { need(2); length = bytes[pos] * 256 + bytes[pos + 1]; pos += 2; }
      else if (info === 26) {
        need(4);
        length = ((bytes[pos] * 256 + bytes[pos + 1]) * 256 + bytes[pos + 2]) * 256 + bytes[pos + 3];
        pos += 4;
      } else if (info === 27) {
        need(8);
        length = 0;
        for (var i = 0; i < 8; i++) length = length * 256 + bytes[pos + i];
        if (length > Number.MAX_SAFE_INTEGER) throw new Error("bad_cbor");
        pos += 8;
      } else throw new Error("bad_cbor"); /* indefinite lengths never appear in a token */
      return { major: major, info: info, length: length };
    }
    function item() {
      if (++depth > 16) throw new Error("bad_cbor");
      var h = head(), result, i;
      switch (h.major) {
        case 0: result = h.length; break;
        case 1: result = -1 - h.length; break;
        case 2: need(h.length); result = bytes.subarray(pos, pos + h.length); pos += h.length; break;
        case 3:
          need(h.length);
          result = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(pos, pos + h.length));
          pos += h.length;
          break;
        case 4: result = []; for (i = 0; i < h.length; i++) result.push(item()); break;
        case 5: result = new Map(); for (i = 0; i < h.length; i++) { var key = item(); result.set(key, item()); } break;
        case 6: result = { tag: h.length, value: item() }; break;
        default:
          if (h.info === 20) result = false;
          else if (h.info === 21) result = true;
          else if (h.info === 22) result = null;
          else throw new Error("bad_cbor");
      }
      depth--;
      return result;
    }
    var value = item();
    if (pos !== bytes.length) throw new Error("bad_cbor");
    return value;
  }

  function cborHead(major, length) {
    if (length < 24) return [(major << 5) | length];
    if (length < 256) return [(major << 5) | 24, length];
    if (length < 65536) return [(major << 5) | 25, length >> 8, length & 255];
    return [(major << 5) | 26, (length >>> 24) & 255, (length >> 16) & 255, (length >> 8) & 255, length & 255];
  }

  function concat(parts) {
    var total = 0, offset = 0, i;
    for (i = 0; i < parts.length; i++) total += parts[i].length;
    var out = new Uint8Array(total);
    for (i = 0; i < parts.length; i++) { out.set(parts[i], offset); offset += parts[i].length; }
    return out;
  }

  /* RFC 9052 section 4.4: ["Signature1", protected, external_aad = h'', payload] */
  function sigStructure(protectedBytes, payload) {
    var context = new TextEncoder().encode("Signature1");
    return concat([
      new Uint8Array([0x84]),
      new Uint8Array(cborHead(3, context.length)), context,
      new Uint8Array(cborHead(2, protectedBytes.length)), protectedBytes,
      new Uint8Array([0x40]),
      new Uint8Array(cborHead(2, payload.length)), payload
    ]);
  }

  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  function base64url(textValue) {
    var b64 = textValue.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var binary = atob(b64), out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  function decimal(value) {
    /* tag 4: [exponent, mantissa] */
    if (!value || value.tag !== 4 || !Array.isArray(value.value)) throw new Error("bad_claims");
    var exponent = value.value[0], digits = String(value.value[1]);
    if (exponent >= 0) return digits + new Array(exponent + 1).join("0");
    while (digits.length <= -exponent) digits = "0" + digits;
    return digits.slice(0, exponent) + "." + digits.slice(exponent);
  }

  function readClaims(claimSet, keyDocument) {
    var fields = claimSet.get(CERTIFICATE_CLAIM);
    if (!Array.isArray(fields) || fields.length !== 11 || !fields[7] || fields[7].tag !== 100) {
      throw new Error("bad_claims");
    }
    var codes = (keyDocument && keyDocument.codes) || {};
    var professions = codes.profession || {}, ranah = codes.ranah || {};
    var completed = new Date(fields[7].value * 86400000).toISOString().slice(0, 10);
    return {
      number: fields[2],
      holder_name: fields[3],
      profession: professions[String(fields[4])] || String(fields[4]),
      course: fields[5] + " · v" + fields[6],
      completed_on: completed,
      jpl: decimal(fields[8]),
      skp: decimal(fields[9]) + (ranah[String(fields[10])] ? " · " + ranah[String(fields[10])] : "")
    };
  }

  /* The outcome of the browser's own check: "genuine", "forged" or "unsupported". */
  function checkToken(token, keyDocument) {
    var parts, header, kid, key;
    try {
      var message = decodeCbor(base32Decode(token));
      if (!message || message.tag !== 18 || !Array.isArray(message.value) || message.value.length !== 4) {
        throw new Error("not_cose_sign1");
      }
      parts = message.value;
      header = decodeCbor(parts[0]);
      if (!(header instanceof Map) || header.get(1) !== -8) throw new Error("unsupported_alg");
      kid = header.get(4);
      if (!(kid instanceof Uint8Array) || kid.length !== 8) throw new Error("bad_header");
    } catch (error) {
      return Promise.resolve({ state: "forged", reason: error.message });
    }
    var kidHex = hex(kid);
    key = (keyDocument.keys || []).filter(function (k) { return k.kid === kidHex; })[0];
    if (!key) return Promise.resolve({ state: "forged", reason: "unknown_key" });
    if (key.withdrawn) return Promise.resolve({ state: "forged", reason: "key_withdrawn" });
    if (!window.crypto || !crypto.subtle) return Promise.resolve({ state: "unsupported" });
    return crypto.subtle.importKey("raw", base64url(key.public_key), { name: "Ed25519" }, false, ["verify"])
      .then(function (cryptoKey) {
        return crypto.subtle.verify({ name: "Ed25519" }, cryptoKey, parts[3], sigStructure(parts[0], parts[2]))
          .then(function (valid) {
            if (!valid) return { state: "forged", reason: "bad_signature" };
            try {
              return { state: "genuine", kid: kidHex, claims: readClaims(decodeCbor(parts[2]), keyDocument) };
            } catch (error) {
              return { state: "forged", reason: error.message };
            }
          });
      }, function () { return { state: "unsupported" }; });
  }

  function loadKeys() {
    return fetch(data.keysUrl, { credentials: "omit" }).then(function (response) {
      if (!response.ok) throw new Error("no_keys");
      return response.json();
    });
  }

  function remember(token) {
    try {
      localStorage.setItem(STATUS_PREFIX + token, JSON.stringify({
        verdict: data.verdict, label: data.label, checked_at: data.checkedAt
      }));
    } catch (error) { /* private mode: nothing kept */ }
  }

  function remembered(token) {
    try { return JSON.parse(localStorage.getItem(STATUS_PREFIX + token) || "null"); } catch (error) { return null; }
  }

  function localTime(iso) {
    var moment = new Date(iso);
    return isNaN(moment) ? iso : moment.toLocaleString(document.documentElement.lang || undefined);
  }

  function fillFields(claims, kid) {
    var list = document.getElementById("offline-fields");
    if (!list) return;
    Object.keys(claims).forEach(function (name) {
      var cell = list.querySelector('[data-field="' + name + '"]');
      if (cell) cell.textContent = claims[name];
    });
    var keyCell = list.querySelector('[data-field="key"]');
    if (keyCell) keyCell.textContent = kid;
    list.hidden = false;
  }

  function online() {
    var token = data.token;
    if (!token) return;
    remember(token);
    show("checking", data.msgChecking);
    loadKeys().then(function (keyDocument) { return checkToken(token, keyDocument); }).then(function (outcome) {
      if (outcome.state === "genuine") show("genuine", data.msgGenuine);
      else if (outcome.state === "unsupported") show("unsupported", data.msgUnsupported);
      else show("forged", data.msgForged);
    }, function () { box.hidden = true; });
  }

  function offline() {
    var match = /\/v\/([^\/?#]+)/i.exec(location.pathname);
    if (!match) return;
    var token;
    try { token = decodeURIComponent(match[1]).toUpperCase(); } catch (error) { token = match[1]; }
    var verdict = document.querySelector("[data-testid=verdict]");
    loadKeys().then(function (keyDocument) { return checkToken(token, keyDocument); }).then(function (outcome) {
      if (outcome.state === "genuine") {
        fillFields(outcome.claims, outcome.kid);
        var last = remembered(token);
        if (verdict) verdict.dataset.verdict = "genuine-offline";
        if (last && last.checked_at) {
          show("genuine", data.msgOfflineStatus.replace("{when}", localTime(last.checked_at)).replace("{label}", last.label));
        } else {
          show("genuine", data.msgOfflineUnknown);
        }
      } else if (outcome.state === "unsupported") {
        show("unsupported", data.msgUnsupported);
      } else {
        if (verdict) { verdict.dataset.verdict = "invalid"; verdict.className = "verdict verdict-invalid"; }
        show("forged", data.msgForged);
      }
    }, function () { show("unsupported", data.msgNoKeys); });
  }

  if (data.offline === "true") offline(); else online();
})();
