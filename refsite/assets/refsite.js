// "Cite this page": the reader's own date as the access date, and a button to copy each form.
(function () {
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function dates() {
    var now = new Date();
    var y = now.getFullYear(), m = MONTHS[now.getMonth()], d = now.getDate();
    var forms = {
      mdy: m + " " + d + ", " + y,
      dmy: d + " " + m + " " + y,
      ymd: y + ", " + m + " " + d,
      iso: y + "-" + pad(now.getMonth() + 1) + "-" + pad(d)
    };
    var marks = document.querySelectorAll(".refsite-accessed");
    for (var i = 0; i < marks.length; i++) {
      var form = (marks[i].className.match(/refsite-date-(\w+)/) || [])[1];
      marks[i].textContent = forms[form] || forms.iso;
    }
  }

  function buttons() {
    var forms = document.querySelectorAll(".refsite-copyable");
    for (var i = 0; i < forms.length; i++) {
      var source = forms[i].tagName === "PRE" ? forms[i].querySelector("code") : forms[i];
      if (!source || forms[i].nextElementSibling && forms[i].nextElementSibling.className === "md-button refsite-copy") {
        continue;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "md-button refsite-copy";
      button.setAttribute("data-copy", source.id);
      button.textContent = forms[i].tagName === "PRE" ? "Copy BibTeX" : "Copy";
      forms[i].insertAdjacentElement("afterend", button);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".refsite-copy") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    var label = button.textContent;
    navigator.clipboard.writeText(source.innerText.trim()).then(function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  function ready() { dates(); buttons(); }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(ready);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
