// The search page's "searching" dots (Sphinx's searchtools.js, checked with Sphinx 9.0)
// never stop: stopPulse() sets the counter to -1, but the pulse already scheduled then
// counts on from there and schedules the next one, so the dots after "Search Results"
// go on for ever and look like a search still running. Here the pending pulse is
// cancelled when the search finishes. Loaded (deferred) on the search page only.
(() => {
  if (typeof Search === "undefined") return;
  let timer = null;
  const stopPulse = Search.stopPulse;
  Search.stopPulse = () => {
    window.clearTimeout(timer);
    timer = null;
    return stopPulse();
  };
  Search.startPulse = () => {
    if (Search._pulse_status >= 0) return;
    const pulse = () => {
      Search._pulse_status = (Search._pulse_status + 1) % 4;
      Search.dots.innerText = ".".repeat(Search._pulse_status);
      timer = window.setTimeout(pulse, 500);
    };
    pulse();
  };
})();
