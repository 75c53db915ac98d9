/* textmine explorer: figures, tables, keyword-in-context search and document views.
 * Plain JavaScript, no libraries, no network: the data comes from explorer_data.js beside this page.
 * The search matches like textmine.kwic: exact, whitespace ignored, non-overlapping per phrase. */
(function () {
  "use strict";
  var D = window.TEXTMINE_EXPLORER;
  var MAX_ROWS = 500;  // rows drawn per table at once (filter or sort to see others)

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function fmt(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "number" && !Number.isInteger(v)) return String(Math.round(v * 1000) / 1000);
    return String(v);
  }

  if (!D) {
    $("app").innerHTML = '<p class="error">The data file explorer_data.js was not found beside this page. ' +
      "Keep index.html and explorer_data.js in the same folder.</p>";
    return;
  }

  // ---------------------------------------------------------------- tables: sort by a column, filter rows
  function makeTable(box, columns, rows, opts) {
    opts = opts || {};
    var state = { key: null, dir: 1, filter: "" };
    box.className = "tablebox";
    var filter = el("input", { type: "search", "class": "filter", placeholder: "filter rows…", "aria-label": "filter rows" });
    var count = el("span", { "class": "count" });
    var scroll = el("div", { "class": "scroll" });
    var table = el("table");
    var thead = el("thead"), tbody = el("tbody"), hr = el("tr");
    columns.forEach(function (c, i) {
      var th = el("th", { title: "sort by " + c.label }, c.label);
      th.dataset.col = String(i);
      th.addEventListener("click", function () {
        state.dir = state.key === i ? -state.dir : 1;
        state.key = i;
        Array.prototype.forEach.call(hr.children, function (h) { h.className = ""; });
        th.className = state.dir > 0 ? "asc" : "desc";
        draw();
      });
      hr.appendChild(th);
    });
    thead.appendChild(hr); table.appendChild(thead); table.appendChild(tbody); scroll.appendChild(table);
    box.appendChild(filter); box.appendChild(count); box.appendChild(scroll);
    filter.addEventListener("input", function () { state.filter = filter.value.trim().toLowerCase(); draw(); });
    var texts = rows.map(function (r) { return r.map(fmt).join("\u0001").toLowerCase(); });

    function compare(a, b) {
      var x = a[state.key], y = b[state.key];
      if (x === y) return 0;
      if (x === null || x === undefined || x === "") return 1;  // missing values last
      if (y === null || y === undefined || y === "") return -1;
      if (typeof x === "number" && typeof y === "number") return state.dir * (x - y);
      return state.dir * String(x).localeCompare(String(y), "zh-Hans-CN");
    }
    function draw() {
      var idx = [];
      for (var i = 0; i < rows.length; i++) if (!state.filter || texts[i].indexOf(state.filter) >= 0) idx.push(i);
      if (state.key !== null) idx.sort(function (i, j) { return compare(rows[i], rows[j]) || i - j; });
      var html = [];
      var n = Math.min(idx.length, MAX_ROWS);
      for (var k = 0; k < n; k++) {
        var r = rows[idx[k]];
        html.push('<tr data-row="' + idx[k] + '"' + (opts.onRow ? ' class="clickable"' : "") + ">");
        for (var c = 0; c < columns.length; c++) {
          var col = columns[c];
          var cls = col.cls || (typeof r[c] === "number" ? "num" : "");
          html.push("<td" + (cls ? ' class="' + cls + '"' : "") + ">" + esc(fmt(r[c])) + "</td>");
        }
        html.push("</tr>");
      }
      tbody.innerHTML = html.join("");
      count.textContent = (idx.length === rows.length ? rows.length + " rows" : idx.length + " of " + rows.length + " rows") +
        (idx.length > MAX_ROWS ? " (first " + MAX_ROWS + " shown; filter or sort to see others)" : "") +
        (opts.note ? " · " + opts.note : "");
    }
    if (opts.onRow) tbody.addEventListener("click", function (ev) {
      var tr = ev.target.closest("tr");
      if (tr) opts.onRow(rows[Number(tr.dataset.row)], Number(tr.dataset.row));
    });
    draw();
    return { redraw: draw };
  }

  // ---------------------------------------------------------------- navigation
  var sections = ["figures", "search", "documents", "document"];
  function show(name) {
    sections.forEach(function (s) {
      $(s).hidden = s !== name;
      var a = $("nav-" + s);
      if (a) a.className = s === name ? "active" : "";
    });
  }
  function route() {
    var h = decodeURIComponent(location.hash.slice(1));
    if (h.indexOf("doc=") === 0) { openDocument(h.slice(4)); return; }
    show(sections.indexOf(h) >= 0 && h !== "document" ? h : (D.figures.length ? "figures" : "search"));
    window.scrollTo(0, 0);
  }
  window.addEventListener("hashchange", route);

  // ---------------------------------------------------------------- header
  $("title").textContent = D.title;
  var years = D.docs.map(function (d) { return d.meta[D.columns.indexOf("year")]; }).filter(function (y) { return y !== null; });
  var y0 = Math.min.apply(null, years), y1 = Math.max.apply(null, years);
  var span = years.length ? " · " + (y0 === y1 ? y0 : y0 + "–" + y1) : "";
  $("subtitle").textContent = D.docs.length + " documents" + span + " · " + D.figures.length + " figures · " +
    D.n_chars.toLocaleString("en") + " characters after cleaning" + (D.note ? " · " + D.note : "");

  // ---------------------------------------------------------------- figures
  (function () {
    var box = $("figures");
    if (!D.figures.length) { box.appendChild(el("p", { "class": "hint" }, "No figures were written beside this page.")); return; }
    var toc = el("ol", { "class": "toc" });
    D.figures.forEach(function (f) {
      var li = el("li"); var a = el("a", { href: "#fig-" + f.stem }, f.stem);
      a.addEventListener("click", function (ev) { ev.preventDefault(); $("fig-" + f.stem).scrollIntoView(); });
      li.appendChild(a); li.appendChild(document.createTextNode(" — " + f.caption)); toc.appendChild(li);
    });
    box.appendChild(toc);
    D.figures.forEach(function (f) {
      var fig = el("figure", { id: "fig-" + f.stem });
      if (f.image) fig.appendChild(el("img", { src: f.image, alt: f.caption, loading: "lazy" }));
      var cap = el("figcaption");
      cap.appendChild(el("strong", null, f.stem + ". "));
      cap.appendChild(document.createTextNode(f.caption + " "));
      var links = el("span", { "class": "links" });
      f.files.forEach(function (file) { links.appendChild(el("a", { href: file[1], download: "" }, file[0])); });
      cap.appendChild(links);
      fig.appendChild(cap);
      if (f.columns) {
        var det = el("details");
        det.appendChild(el("summary", null, "table: " + f.n_rows.toLocaleString("en") + " rows, " + f.columns.length + " columns"));
        var built = false;
        det.addEventListener("toggle", function () {
          if (built || !det.open) return;
          built = true;
          var tb = el("div");
          det.appendChild(tb);
          makeTable(tb, f.columns.map(function (c) { return { label: c }; }), f.rows,
                    { note: f.rows.length < f.n_rows ? "the first " + f.rows.length + " rows of the CSV are here; the CSV has all " + f.n_rows : "" });
        });
        fig.appendChild(det);
      }
      box.appendChild(fig);
    });
  })();

  // ---------------------------------------------------------------- documents table
  var byId = {};
  D.docs.forEach(function (d, i) { byId[d.id] = i; });
  (function () {
    var box = $("documents");
    var cols = D.columns.map(function (c) { return { label: c }; });
    cols.unshift({ label: "doc_id" });
    cols.push({ label: "slogan mentions" }, { label: "cleaning changes" });
    var rows = D.docs.map(function (d) { return [d.id].concat(d.meta, [d.marks.length, d.n_changes]); });
    var tb = el("div", { id: "doctable" });
    box.appendChild(tb);
    makeTable(tb, cols, rows, { onRow: function (r) { location.hash = "doc=" + encodeURIComponent(r[0]); } });
  })();

  // ---------------------------------------------------------------- keyword in context
  var WS = new RegExp(D.whitespace, "g");
  function prepare(d) {  // compact text (no whitespace) and the map back to positions in the text
    if (d._compact !== undefined) return;
    var starts = [0], shifts = [0], removed = 0, m;
    WS.lastIndex = 0;
    while ((m = WS.exec(d.text)) !== null) {
      removed += m[0].length;
      starts.push(m.index + m[0].length - removed);
      shifts.push(removed);
    }
    d._starts = starts; d._shifts = shifts;
    d._compact = d.text.replace(WS, "");
  }
  function toText(d, i) {  // like textmine.frequency._offset_map: bisect_right(starts, i) - 1
    var lo = 0, hi = d._starts.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (d._starts[mid] <= i) lo = mid + 1; else hi = mid; }
    return i + d._shifts[lo - 1];
  }
  function findAll(d, phrase) {
    prepare(d);
    var out = [], c = d._compact, i = c.indexOf(phrase);
    while (i >= 0) {
      out.push([toText(d, i), toText(d, i + phrase.length - 1) + 1]);
      i = c.indexOf(phrase, i + phrase.length);  // non-overlapping, as kwic and slogan_frequency count
    }
    return out;
  }
  function flat(s) { return s.replace(/[\r\n\t]/g, " "); }
  function search() {
    var phrase = $("q").value.replace(WS, "");
    var windowSize = Number($("window").value) || 20;
    var box = $("results");
    box.innerHTML = "";
    if (!phrase) { $("summary").textContent = "Type a word or phrase."; return; }
    var rows = [], docs = 0, t0 = performance.now();
    D.docs.forEach(function (d) {
      var hits = findAll(d, phrase);
      if (hits.length) docs++;
      hits.forEach(function (h) {
        var meta = d.meta;
        rows.push([d.id, meta[D.columns.indexOf("place")], meta[D.columns.indexOf("year")],
                   flat(d.text.slice(Math.max(0, h[0] - windowSize), h[0])), flat(d.text.slice(h[0], h[1])),
                   flat(d.text.slice(h[1], h[1] + windowSize)), h[0]]);
      });
    });
    var ms = Math.round(performance.now() - t0);
    $("summary").textContent = rows.length + " hits in " + docs + " of " + D.docs.length + " documents for “" + phrase + "”";
    $("summary").dataset.hits = String(rows.length);
    $("summary").title = "searched in " + ms + " ms";
    if (!rows.length) return;
    makeTable(box, [{ label: "doc_id" }, { label: "place" }, { label: "year" }, { label: "left", cls: "left" },
                    { label: "hit", cls: "hit" }, { label: "right", cls: "right" }, { label: "position" }], rows,
              { onRow: function (r) { location.hash = "doc=" + encodeURIComponent(r[0]) + "@" + r[6] + "-" + (r[6] + r[4].length); } });
  }
  $("go").addEventListener("click", search);
  $("q").addEventListener("keydown", function (ev) { if (ev.key === "Enter") search(); });

  // ---------------------------------------------------------------- one document
  function markHit(container, start, end) {  // outline the search hit [start, end) and scroll to it
    var walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT), n, seen = 0, range = document.createRange(), begun = false;
    while ((n = walker.nextNode())) {
      var len = n.data.length;
      if (!begun && seen + len > start) { range.setStart(n, start - seen); begun = true; }
      if (begun && seen + len >= end) { range.setEnd(n, end - seen); break; }
      seen += len;
    }
    if (!begun) return;
    if (window.CSS && CSS.highlights && window.Highlight) CSS.highlights.set("hit", new Highlight(range));
    var box = range.getBoundingClientRect(), outer = container.getBoundingClientRect();
    container.scrollTop += box.top - outer.top - container.clientHeight / 3;
    window.scrollTo(0, Math.max(0, container.getBoundingClientRect().top + window.scrollY - 80));
  }

  function openDocument(spec) {
    var at = spec.lastIndexOf("@"), focus = null, focusEnd = null, id = spec;
    var span = at > 0 ? /^(\d+)-(\d+)$/.exec(spec.slice(at + 1)) : null;
    if (span) { focus = Number(span[1]); focusEnd = Number(span[2]); id = spec.slice(0, at); }
    var i = byId[id];
    var box = $("document");
    box.innerHTML = "";
    show("document");
    if (i === undefined) { box.appendChild(el("p", { "class": "error" }, "No document " + id + " in this corpus.")); return; }
    var d = D.docs[i];
    box.appendChild(el("h2", { id: "doc-title" }, d.id));
    var meta = el("div", { "class": "meta" });
    var html = [];
    D.columns.forEach(function (c, k) { if (d.meta[k] !== null && d.meta[k] !== "") html.push("<b>" + esc(c) + "</b> " + esc(fmt(d.meta[k]))); });
    if (d.extra) for (var k in d.extra) if (Object.prototype.hasOwnProperty.call(d.extra, k)) html.push("<b>" + esc(k) + "</b> " + esc(d.extra[k]));
    meta.innerHTML = html.join(" · ");
    box.appendChild(meta);
    // slogans found, with counts
    var counts = {};
    d.marks.forEach(function (m) { counts[m[2]] = (counts[m[2]] || 0) + 1; });
    var keys = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || a - b; });
    var pills = el("div", { "class": "hint" });
    pills.appendChild(document.createTextNode(keys.length ? "Slogans highlighted below (mentions): " : "No listed slogan occurs in this document."));
    keys.forEach(function (k) { pills.appendChild(el("span", { "class": "pill" }, D.slogans[k] + " " + counts[k])); });
    box.appendChild(pills);
    // text with slogans marked; overlapping matches are merged into one mark naming every slogan
    var parts = [], marks = d.marks, j = 0, pos = 0;
    while (j < marks.length) {
      var s = marks[j][0], e = marks[j][1], names = [D.slogans[marks[j][2]]];
      j++;
      while (j < marks.length && marks[j][0] < e) {
        e = Math.max(e, marks[j][1]);
        if (names.indexOf(D.slogans[marks[j][2]]) < 0) names.push(D.slogans[marks[j][2]]);
        j++;
      }
      if (s < pos) s = pos;
      parts.push(esc(d.text.slice(pos, s)));
      parts.push('<mark data-pos="' + s + '" title="' + esc(names.join(" · ")) + '">' + esc(d.text.slice(s, e)) + "</mark>");
      pos = e;
    }
    parts.push(esc(d.text.slice(pos)));
    var text = el("div", { "class": "doctext", id: "doctext" });
    text.innerHTML = parts.join("");
    box.appendChild(el("h3", null, "Cleaned text (what every analysis reads; " + d.text.length.toLocaleString("en") + " characters)"));
    box.appendChild(text);
    box.appendChild(el("h3", null, "What cleaning removed or rewrote (" + d.n_changes + " changes)"));
    if (d.n_changes) {
      var tb = el("div", { id: "changes" });
      box.appendChild(tb);
      makeTable(tb, [{ label: "step" }, { label: "action" }, { label: "before" }, { label: "after" }, { label: "position" }], d.changes,
                { note: "position: offset in the text that step received" +
                        (d.changes.length < d.n_changes ? "; the first " + d.changes.length + " changes are listed" : "") });
    } else {
      box.appendChild(el("p", { "class": "hint" }, "Cleaning changed nothing in this document (or the corpus was loaded without cleaning)."));
    }
    if (focus !== null) markHit(text, focus, focusEnd); else window.scrollTo(0, 0);
  }

  route();
})();
