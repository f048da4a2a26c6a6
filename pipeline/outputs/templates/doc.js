/* doc.html: one page for every document. The address says which (doc.html#n=5); the page loads the
   chunk holding it (docs-<k>.js, read with <script src>: a file:// page may not fetch JSON) and shows
   its page, rendered when the report was written, so a document's words are never markup here
   either. A link inside the page (#e<start>-<end>, #b…, #page-…) is the browser's own jump: the
   document shown is kept, in history.state, for a reload or the back button. */
(function () {
  "use strict";
  var starts = JSON.parse(document.getElementById("chunks").textContent);  // first n of each chunk
  var main = document.getElementById("doc");
  var loaded = {}, asked = {}, current = null, pending = null;

  window.jixiao = {docs: function (first, docs) {
    loaded[first] = docs;
    if (pending !== null) show(pending);
  }};

  function wanted() {
    var m = /(?:^#|&)n=(\d+)(?:&|$)/.exec(location.hash);
    if (m) return parseInt(m[1], 10);
    if (current !== null) return current;
    return history.state && history.state.n ? history.state.n : null;
  }

  function chunkOf(n) {           // index of the last chunk starting at or before n
    var lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= n) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function say(words) {
    main.textContent = "";
    var p = document.createElement("p");
    p.className = "errorbox";
    p.id = "missing";
    p.textContent = words;
    main.appendChild(p);
  }

  function show(n) {
    if (n === null) {     // a viewer that dropped the #n=… of a link (a spreadsheet's, perhaps)
      say("地址中没有文件序号：请从文件列表（../report.html）打开，或在地址后加上 #n=序号。");
      return;
    }
    if (!starts.length || n < 1 || n > +main.dataset.total) {
      say("没有第 " + n + " 份文件（共 " + main.dataset.total + " 份）。");
      return;
    }
    var k = chunkOf(n), first = starts[k], docs = loaded[first];
    if (!docs) {
      pending = n;
      if (!asked[first]) {
        asked[first] = true;
        var s = document.createElement("script");
        s.src = "docs-" + (k + 1) + ".js";
        s.onerror = function () { say("找不到 docs-" + (k + 1) + ".js：请重新生成报告（python -m pipeline.outputs.report OUTDIR）。"); };
        document.head.appendChild(s);
      }
      return;
    }
    pending = null;
    var d = docs[n - first];
    main.innerHTML = d.html;
    document.title = d.title;
    current = n;
    history.replaceState({n: n}, "");
    var at = /^#[a-z]/.test(location.hash) && document.getElementById(location.hash.slice(1));
    if (at) at.scrollIntoView(); else window.scrollTo(0, 0);
  }

  window.addEventListener("hashchange", function () {
    var n = wanted();
    if (n !== current) show(n);
    else history.replaceState({n: n}, "");
  });
  show(wanted());
})();
