// The islands' hydration script: leptos 0.8.23's island_script.js (MIT), with one change. Leptos
// starts hydrating inside requestIdleCallback with no timeout; Chromium sometimes grants a
// cross-origin iframe no idle time at all until it gets input, so the panel's buttons stayed
// disabled until the agent clicked somewhere (about 1 load in 7 in end2end/). Here idle time is
// still preferred, but never waited for longer than IDLE_TIMEOUT_MS: a timer of our own starts
// hydration then, whatever the browser does with idle callbacks.
((root, pkg_path, output_name, wasm_output_name) => {
	let MOST_RECENT_CHILDREN_CB = [];

	const IDLE_TIMEOUT_MS = 100;
	function idle(c) {
		let started = false;
		const once = () => {
			if (!started) {
				started = true;
				c();
			}
		};
		if ("requestIdleCallback" in window) {
			window.requestIdleCallback(once, { timeout: IDLE_TIMEOUT_MS });
			window.setTimeout(once, IDLE_TIMEOUT_MS);
		} else {
			once();
		}
	}
	async function hydrateIslands(rootNode, mod) {
		async function traverse(node) {
			if (node.nodeType === Node.ELEMENT_NODE) {
				const tag = node.tagName.toLowerCase();
				if(tag === 'leptos-island') {
					const children = [];
					const id = node.dataset.component || null;

					await hydrateIsland(node, id, mod);
					
					for(const child of node.children) {
						await traverse(child, children);
					}
				} else {
					if (tag === 'leptos-children') {
						MOST_RECENT_CHILDREN_CB.push(node.$$on_hydrate);
						for(const child of node.children) {
							await traverse(child);
						};
						// un-set the "most recent children"
						MOST_RECENT_CHILDREN_CB.pop();
					} else {
						for(const child of node.children) {
							await traverse(child);
						};
					}
				}
			}
		}

		await traverse(rootNode);
	}
	async function hydrateIsland(el, id, mod) {
		const islandFn = mod[id];
		if (islandFn) {
			const children_cb = MOST_RECENT_CHILDREN_CB[MOST_RECENT_CHILDREN_CB.length-1];
			if (children_cb) {
				children_cb();
			}
			const res = islandFn(el);
			if (res && res.then) {
				await res;
			}
		} else {
			console.warn(`Could not find WASM function for the island ${id}.`);
		}
	}
	idle(() => {
		import(`${root}/${pkg_path}/${output_name}.js`)
			.then(mod => {
				mod.default({module_or_path: `${root}/${pkg_path}/${wasm_output_name}.wasm`}).then(() => {
					mod.hydrate();
					hydrateIslands(document.body, mod);
				});

				window.__hydrateIsland = (el, id) => hydrateIsland(el, id, mod);
			})
	});
})
