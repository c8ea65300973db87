// How the browser fetches a lazy page's WASM chunks. scripts/build.mjs puts
// this in place of the wasm-split loader's own `makeFetch`, which fetches
// once. A chunk that fails to load stops the tab's whole app (the Rust side
// of a lazy route panics), so before that:
// - a fetch that fails (network error, 5xx, 408, 429) is tried twice more,
//   after 0.5 s and 2 s;
// - a chunk still missing (say a deploy removed it: only the previous build's
//   files are kept) reloads the page once, and the new page names the
//   current build's chunks;
// - if loading fails again within a minute of that reload (or the tab keeps
//   no sessionStorage to tell), the page says so and offers a reload,
//   instead of silently ignoring every click.
function makeFetch(srcUrl) {
    if (srcUrl === undefined) {
        return () => async (_imports) => ({});
    }
    return () => {
        const src = fetchChunk(srcUrl);
        // Awaited below, after the chunks this one needs: until then a
        // failure must not count as an unhandled rejection.
        src.catch(() => {});
        return async (imports) => {
            try {
                return await WebAssembly.instantiateStreaming(src, imports);
            } catch (e) {
                chunkFailed(srcUrl);
                throw e;
            }
        };
    };
}

async function fetchChunk(url) {
    for (const wait of [500, 2000, null]) {
        let retry = true;
        try {
            const res = await fetch(url);
            if (res.ok) return res;
            retry = res.status >= 500 || res.status === 408 || res.status === 429;
        } catch (_networkError) {}
        if (!retry || wait === null) break;
        await new Promise((done) => setTimeout(done, wait));
    }
    throw new Error(`could not load ${url}`);
}

const RELOADED_AT = 'plinth-chunk-reload';

function chunkFailed(url) {
    if (mayReload()) {
        console.warn(`reloading: ${url} did not load`);
        location.reload();
        return;
    }
    if (document.getElementById('chunk-error')) return;
    const box = document.createElement('div');
    box.id = 'chunk-error';
    box.className = 'toast alert alert-error';
    box.setAttribute('role', 'alert');
    const text = document.createElement('p');
    text.textContent = 'Part of this page could not be loaded, so it may not respond. Check your connection, then reload.';
    const reload = document.createElement('button');
    reload.type = 'button';
    reload.className = 'btn btn-secondary btn-sm';
    reload.textContent = 'Reload';
    reload.addEventListener('click', () => location.reload());
    box.append(text, reload);
    document.body.append(box);
    reload.focus();
}

// One reload a minute, remembered in this tab's sessionStorage. Without
// storage there is no way to tell a reload apart from a loop: no reload.
function mayReload() {
    try {
        const last = Number(sessionStorage.getItem(RELOADED_AT)) || 0;
        if (Date.now() - last < 60000) return false;
        sessionStorage.setItem(RELOADED_AT, String(Date.now()));
        return sessionStorage.getItem(RELOADED_AT) !== null;
    } catch (_) {
        return false;
    }
}
