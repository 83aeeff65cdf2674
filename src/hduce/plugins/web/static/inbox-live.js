// The inbox's live stream: reads Server-Sent Events with fetch (the session cookie goes along)
// and asks htmx to reload the inbox on each new message. htmx's polling stays on as the fallback.
(function () {
  "use strict";
  // A refused update (429, any 4xx) shows its reason at the top of the inbox and keeps the
  // list: swapped over #inbox it would leave every later update without a target. The next
  // update that succeeds replaces the inbox, the reason with it.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    const place = document.getElementById("inbox-refusal");
    if (!event.detail.isError || event.target.id !== "inbox" || !place) return;
    event.detail.target = place;
    event.detail.swapOverride = "innerHTML";
  });
  const status = document.getElementById("live-status");
  if (!status || !window.fetch || !window.TextDecoder || !window.ReadableStream) return;
  const url = status.dataset.stream;
  let delay = 1000;

  function dispatch(block) {
    let event = "message";
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (event === "notification" && data.length) {
      document.body.dispatchEvent(new CustomEvent("hduce-inbox", { bubbles: true }));
    }
  }

  async function listen() {
    const response = await fetch(url, {
      headers: { Accept: "text/event-stream" },
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error",
    });
    const type = response.headers.get("content-type") || "";
    if (!response.ok || !response.body || !type.startsWith("text/event-stream")) {
      throw new Error("stream refused: " + response.status);
    }
    status.dataset.live = "on";
    delay = 1000;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
      }
    }
  }

  function run() {
    listen()
      .catch(function () { delay = Math.min(delay * 2, 60000); })
      .finally(function () {
        status.dataset.live = "off";
        window.setTimeout(run, delay);
      });
  }
  run();
})();
