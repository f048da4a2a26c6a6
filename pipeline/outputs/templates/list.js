/* report.html's document list over the embedded index (one row per document): search by
   organisation or file, filter by view, status, type, year and rule, sort by any column, 100 rows a
   page. The state lives in the address (#q=…&rule=…), so a filtered list can be bookmarked or
   linked to. Rows are built with textContent: a document's words never become markup. Without
   script the page shows the first rows and the static pages list-<k>.html. */
(function () {
  "use strict";
  var PER_PAGE = 100;
  var KEYS = ["q", "view", "status", "type", "year", "rule", "sort", "desc", "page"];
  var rows = JSON.parse(document.getElementById("index").textContent);
  var labels = JSON.parse(document.getElementById("labels").textContent);
  var table = document.getElementById("documents");
  var body = table.tBodies[0];
  var prefix = table.getAttribute("data-prefix");
  var form = document.getElementById("filters");
  var shown = document.getElementById("shown");
  var pager = document.getElementById("list-pager");
  var input = {q: byId("q"), view: byId("f-view"), status: byId("f-status"), type: byId("f-type"),
               year: byId("f-year"), rule: byId("f-rule")};
  var defaults = {q: "", view: input.view.getAttribute("data-default"), status: "", type: "", year: "",
                  rule: "", sort: "n", desc: "", page: "1"};
  var state = {};

  function byId(id) { return document.getElementById(id); }

  function readHash() {
    var hash = location.hash.slice(1), focus = null;
    state = Object.assign({}, defaults);
    if (/^doc-\d+$/.test(hash)) {               // back from a document's page: show its row
      focus = +hash.slice(4);
      state.view = "all";
      state.page = String(Math.floor((focus - 1) / PER_PAGE) + 1);
    } else {
      hash.split("&").forEach(function (part) {
        var i = part.indexOf("="), key = decodeURIComponent(part.slice(0, i));
        if (i > 0 && KEYS.indexOf(key) >= 0) state[key] = decodeURIComponent(part.slice(i + 1));
      });
      if (state.rule && state.view !== "all") state.view = "findings";
    }
    Object.keys(input).forEach(function (k) { input[k].value = state[k]; });
    return focus;
  }

  function writeHash() {
    var parts = KEYS.filter(function (k) { return state[k] !== defaults[k]; }).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(state[k]);
    });
    history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search);
  }

  function matches(r, terms) {
    var found = r.errors + r.warnings + r.infos;
    if (state.view === "findings" && !found) return false;
    if (state.view === "errors" && !r.errors) return false;
    if (state.status && r.status !== state.status) return false;
    if (state.type && (r.status !== "ok" || (r.report_type || "unknown") !== state.type)) return false;
    if (state.year && String(r.fiscal_year) !== state.year) return false;
    if (state.rule && r.rules.indexOf(state.rule) < 0) return false;
    if (terms.length) {
      var hay = ((r.organization || "") + "\n" + r.path).toLowerCase();
      return terms.every(function (t) { return hay.indexOf(t) >= 0; });
    }
    return true;
  }

  function value(r, key) {
    var v = r[key];
    if (key === "rules") return v.length ? v.length : null;
    if (key === "status") return labels.status[v] || v;
    if (key === "report_type") return v ? (labels.type[v] || v) : null;
    return v === undefined ? null : v;
  }

  function compare(a, b) {
    var x = value(a, state.sort), y = value(b, state.sort), sign = state.desc ? -1 : 1;
    if (x === null && y === null) return a.n - b.n;
    if (x === null) return 1;                    // blanks last, either way
    if (y === null) return -1;
    if (x < y) return -sign;
    if (x > y) return sign;
    return a.n - b.n;
  }

  function cell(tr, text, cls) {
    var td = tr.insertCell();
    if (cls) td.className = cls;
    if (text !== null && text !== undefined) td.textContent = text;
    return td;
  }

  function num(v) { return v === null || v === undefined ? "" : String(v); }

  function row(r) {
    var tr = document.createElement("tr");
    tr.id = "doc-" + r.n;
    tr.className = "status-" + r.status;
    cell(tr, r.n, "num");
    var td = cell(tr, null, "path"), a = document.createElement("a");
    a.href = prefix + "doc.html#n=" + r.n;
    a.textContent = r.path;
    td.appendChild(a);
    if (r.error) {
      var note = document.createElement("div");
      note.className = "note";
      note.textContent = r.error.length > 120 ? r.error.slice(0, 117) + "..." : r.error;
      td.appendChild(note);
    }
    cell(tr, labels.status[r.status] || r.status, "nowrap");
    cell(tr, r.report_type ? (labels.type[r.report_type] || r.report_type) : "");
    cell(tr, num(r.fiscal_year), "num");
    cell(tr, r.organization || "");
    cell(tr, num(r.score), "num");
    cell(tr, r.rate === null || r.rate === undefined ? "" : r.rate + "%", "num");
    var ok = r.status === "ok";
    cell(tr, ok ? r.errors : "", "num" + (ok ? (r.errors ? " sev-error" : " zero") : ""));
    cell(tr, ok ? r.warnings : "", "num" + (ok ? (r.warnings ? " sev-warning" : " zero") : ""));
    td = cell(tr, null, "rules");
    r.rules.forEach(function (rule) {
      var tag = document.createElement("span");
      tag.className = "rule-tag";
      tag.setAttribute("data-rule", rule);
      tag.textContent = labels.rule[rule] || rule;
      td.appendChild(tag);
    });
    return tr;
  }

  function render() {
    var terms = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    var hits = rows.filter(function (r) { return matches(r, terms); }).sort(compare);
    var pages = Math.max(1, Math.ceil(hits.length / PER_PAGE));
    var page = Math.min(Math.max(1, parseInt(state.page, 10) || 1), pages);
    state.page = String(page);
    var first = (page - 1) * PER_PAGE, fragment = document.createDocumentFragment();
    hits.slice(first, first + PER_PAGE).forEach(function (r) { fragment.appendChild(row(r)); });
    body.replaceChildren(fragment);
    shown.textContent = "筛选出 " + hits.length + " 份（共 " + rows.length + " 份）" +
      (hits.length ? "，显示第 " + (first + 1) + "–" + Math.min(first + PER_PAGE, hits.length) + " 份" : "");
    shown.setAttribute("data-count", hits.length);
    byId("page-of").textContent = "第 " + page + " / " + pages + " 页";
    byId("prev").disabled = page <= 1;
    byId("next").disabled = page >= pages;
    pager.hidden = pages <= 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var key = th.getAttribute("data-key");
      th.setAttribute("aria-sort", key === state.sort ? (state.desc ? "descending" : "ascending") : "none");
    });
    writeHash();
  }

  function change(key, v) {
    state[key] = v;
    if (key !== "page") state.page = "1";
    render();
  }

  Object.keys(input).forEach(function (k) {
    input[k].addEventListener(k === "q" ? "input" : "change", function () { change(k, input[k].value); });
  });
  table.tHead.addEventListener("click", function (e) {
    var th = e.target.closest("th[data-key]");
    if (!th) return;
    var key = th.getAttribute("data-key");
    state.desc = key === state.sort && !state.desc ? "1" : "";
    change("sort", key);
  });
  byId("prev").addEventListener("click", function () { change("page", String(+state.page - 1)); });
  byId("next").addEventListener("click", function () { change("page", String(+state.page + 1)); });
  byId("reset").addEventListener("click", function () { location.hash = ""; show(); });
  window.addEventListener("hashchange", show);

  function show() {
    var focus = readHash();
    render();
    var target = focus && byId("doc-" + focus);
    if (target) {
      target.classList.add("focus");
      target.scrollIntoView({block: "center"});
    } else if (location.hash.indexOf("rule=") >= 0) {
      byId("list").scrollIntoView();
    }
  }

  form.hidden = false;
  shown.hidden = false;
  byId("static-list").hidden = true;
  byId("static-list-end").hidden = true;
  table.classList.add("sortable");
  show();
})();
