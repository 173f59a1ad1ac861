"""Compiled shortest-path kernels (numba) over CSR arrays: multi-source nearest, bounded reach, many reaches.

Graph: ``indptr`` int64 (n+1), ``indices`` int32 (m), ``weights`` float64 (m, ≥ 0, finite) — the
reversed road graph prepared by ``spatial.traveltime``.  Every kernel computes exactly what
``scipy.sparse.csgraph.dijkstra`` computes: the smallest left-to-right floating-point sum over all
paths (float addition is monotone, so any label-correcting search that stops at a fixpoint lands on
that same value, bit for bit).

Priority queue: a circular bucket queue of width ``delta`` minutes (buckets are doubly linked lists
threaded through per-node ``nxt``/``prv`` arrays, so each node sits in at most one bucket and there
are no stale entries).  Inside a bucket nodes are taken in LIFO order without sorting; a node whose
time later improves inside the same bucket is simply taken again (Δ-stepping on one core).  With
``delta`` a fraction of the median edge time that is rare (measured on Kunming while developing:
56,861 takes for 56,605 nodes), and a bucket operation is O(1) instead of a heap's O(log frontier).
The ring must hold every pending key: ``len(head)`` (a power of two) × ``delta`` must exceed the
largest edge time and the spread of the seed offsets — the caller sizes it.

Scratch arrays (``dist``, ``label``, ``bucket``, ``nxt``, ``prv``, ``head``, ``touched``) are passed in
so that a bounded search reuses them: on return every bucket is empty again and ``bucket`` is all
−1, and the reach kernels put ``dist``/``label`` back to inf/−1 for the nodes they touched only — a
30-minute reach costs O(nodes reached), not O(n).

No array is ever re-allocated inside a search loop: a prototype that grew its bucket array on
demand inside the loop took 3.6 ms on Kunming instead of 2.1 ms (likely numba's reference counting
of the re-bound array on every iteration).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def search(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    seeds: np.ndarray,
    seed_min: np.ndarray,
    bound: float,
    inv_delta: float,
    dist: np.ndarray,
    label: np.ndarray,
    bucket: np.ndarray,
    nxt: np.ndarray,
    prv: np.ndarray,
    head: np.ndarray,
    touched: np.ndarray,
) -> int:
    """Multi-source search up to ``bound`` minutes; fills dist/label in place, returns how many nodes it touched.

    Seed ``i`` starts at node ``seeds[i]`` with time ``seed_min[i]``; on ties at one node the first
    seed wins.  ``label[v]`` is the index of the seed that reaches ``v`` soonest.  Nodes beyond
    ``bound`` keep ``inf``/−1.  ``touched[:k]`` lists the nodes given a finite time (each once); pass
    an empty ``touched`` to skip that list (k is then 0).
    """
    mask = head.shape[0] - 1
    record = touched.shape[0] > 0  # a full search needs no list of touched nodes
    n_touched = 0
    pending = 0
    first = np.int64(-1)
    for i in range(seeds.shape[0]):
        s = seeds[i]
        d = seed_min[i]
        if d < dist[s] and d <= bound:
            if record and dist[s] == np.inf:
                touched[n_touched] = s
                n_touched += 1
            ob = bucket[s]
            if ob >= 0:  # an earlier seed at the same node: take it out of its bucket
                p = prv[s]
                q = nxt[s]
                if p >= 0:
                    nxt[p] = q
                else:
                    head[ob] = q
                if q >= 0:
                    prv[q] = p
                pending -= 1
            dist[s] = d
            label[s] = i
            ab = np.int64(d * inv_delta)
            b = ab & mask
            f = head[b]
            nxt[s] = f
            prv[s] = -1
            if f >= 0:
                prv[f] = s
            head[b] = s
            bucket[s] = b
            pending += 1
            if first < 0 or ab < first:
                first = ab
    c = first & mask
    while pending > 0:
        while head[c] < 0:
            c = (c + 1) & mask
        while head[c] >= 0:
            u = head[c]
            f = nxt[u]
            head[c] = f
            if f >= 0:
                prv[f] = -1
            bucket[u] = -1
            pending -= 1
            d = dist[u]
            lu = label[u]
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + weights[e]
                if nd < dist[v] and nd <= bound:
                    if record and dist[v] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                    dist[v] = nd
                    label[v] = lu
                    b = np.int64(nd * inv_delta) & mask
                    ob = bucket[v]
                    if ob == b:
                        continue
                    if ob >= 0:
                        p = prv[v]
                        q = nxt[v]
                        if p >= 0:
                            nxt[p] = q
                        else:
                            head[ob] = q
                        if q >= 0:
                            prv[q] = p
                        pending -= 1
                    f = head[b]
                    nxt[v] = f
                    prv[v] = -1
                    if f >= 0:
                        prv[f] = v
                    head[b] = v
                    bucket[v] = b
                    pending += 1
    return n_touched


@njit(cache=True, nogil=True)
def _collect(
    dist: np.ndarray, label: np.ndarray, touched: np.ndarray, n_touched: int, offset: float, limit: float,
    ascending: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Touched nodes with dist + offset ≤ limit (ascending if asked) and those sums; resets dist/label of all touched."""
    keep = np.empty(n_touched, dtype=np.int32)
    k = 0
    for i in range(n_touched):
        v = touched[i]
        if dist[v] + offset <= limit:
            keep[k] = v
            k += 1
    nodes = np.sort(keep[:k]) if ascending else keep[:k]
    minutes = np.empty(k, dtype=np.float64)
    for i in range(k):
        minutes[i] = dist[nodes[i]] + offset
    for i in range(n_touched):
        v = touched[i]
        dist[v] = np.inf
        label[v] = -1
    return nodes, minutes


@njit(cache=True, nogil=True)
def reach(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    node: int,
    offset: float,
    limit: float,
    bound: float,
    inv_delta: float,
    dist: np.ndarray,
    label: np.ndarray,
    bucket: np.ndarray,
    nxt: np.ndarray,
    prv: np.ndarray,
    head: np.ndarray,
    touched: np.ndarray,
    ascending: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Nodes within ``bound`` of ``node`` whose time + ``offset`` ≤ ``limit`` (ascending if asked), and those times."""
    seeds = np.full(1, node, dtype=np.int32)
    zero = np.zeros(1, dtype=np.float64)
    k = search(indptr, indices, weights, seeds, zero, bound, inv_delta, dist, label, bucket, nxt, prv, head, touched)
    return _collect(dist, label, touched, k, offset, limit, ascending)


@njit(cache=True, nogil=True)
def reach_many(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    nodes: np.ndarray,
    offsets: np.ndarray,
    limit: float,
    bounds: np.ndarray,
    inv_delta: float,
    dist: np.ndarray,
    label: np.ndarray,
    bucket: np.ndarray,
    nxt: np.ndarray,
    prv: np.ndarray,
    head: np.ndarray,
    touched: np.ndarray,
    ascending: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reach sets of many candidates in one call, as CSC parts: (column pointer int64, row node int32, minutes).

    Column ``j`` holds the nodes whose time to ``nodes[j]`` plus ``offsets[j]`` is ≤ ``limit`` (in
    ascending order if ``ascending``, else in search order — a CSC → CSR conversion sorts anyway);
    ``bounds[j]`` is that candidate's search bound (negative: offset alone over the limit, nothing).
    """
    k = nodes.shape[0]
    colptr = np.zeros(k + 1, dtype=np.int64)
    cap = 1024
    rows = np.empty(cap, dtype=np.int32)
    vals = np.empty(cap, dtype=np.float64)
    top = 0
    for j in range(k):
        if bounds[j] >= 0.0:
            got, mins = reach(
                indptr, indices, weights, nodes[j], offsets[j], limit, bounds[j], inv_delta,
                dist, label, bucket, nxt, prv, head, touched, ascending,
            )
            r = got.shape[0]
            if top + r > cap:
                while top + r > cap:
                    cap *= 2
                grown_r = np.empty(cap, dtype=np.int32)
                grown_r[:top] = rows[:top]
                rows = grown_r
                grown_v = np.empty(cap, dtype=np.float64)
                grown_v[:top] = vals[:top]
                vals = grown_v
            rows[top : top + r] = got
            vals[top : top + r] = mins
            top += r
        colptr[j + 1] = top
    return colptr, rows[:top].copy(), vals[:top].copy()
