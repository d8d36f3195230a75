// "Cite this page": the reader's own date as the access date, and one-click copies.
(function () {
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // The page carries inert marks (<span class="refsite-copy">); the script makes them buttons.
  function buttons() {
    var marks = document.querySelectorAll("span.refsite-copy");
    for (var i = 0; i < marks.length; i++) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = marks[i].className;
      button.setAttribute("data-copy", marks[i].getAttribute("data-copy"));
      button.textContent = marks[i].textContent;
      marks[i].parentNode.replaceChild(button, marks[i]);
    }
  }

  function fill() {
    buttons();
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
      marks[i].textContent = forms[marks[i].getAttribute("data-form") || "iso"] || forms.iso;
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

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(fill);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fill);
  } else {
    fill();
  }
})();
