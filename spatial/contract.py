"""Contraction of degree-2 chains of a built Network, with the removed nodes kept usable for snapping.

A node is *removable* when it has exactly two distinct neighbours ``a`` and ``b`` and either
(two-way) edges to and from both, or (one-way) one edge in from ``a`` and one out to ``b``.  A
*chain* is a maximal path of removable nodes between two kept nodes ``s`` (tail) and ``t`` (head);
it becomes one edge s → t (if its edges run that way) and/or t → s, whose metres and minutes are the
sums of the chain's edges, added one edge after another from the chain's far end (the order a
search from a facility adds them).  The contracted edge takes the road class of the chain's longest
edge.  A ring made only of removable nodes keeps two of them (its first and its middle node).

Every removed node remembers its chain, its kept ends and its offsets along the chain (minutes and
metres to each end, in both directions where the chain is two-way), so that

* ``seeds`` turns facilities on removed nodes into seeds at the chain's ends with offsets, and
* ``expand`` turns per-kept-node minutes (of a search on the contracted network) into minutes for every
  node of the original network, equal to a search on the original network up to the rounding of the
  sums (measured in tests/test_contract.py: within 4 ulps of the value, or an absolute 1e-12 min).

Places are still snapped to the original network (``traveltime.snap(contraction.original, …)``); their
node ids index ``expand``'s output.  ``nearest_minutes`` strings these together.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from spatial import traveltime
from spatial.errors import HealthplanError
from spatial.network import Network, assemble

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contraction:
    """A contracted network and, for every removed node of the original, its chain and offsets."""

    original: Network
    net: Network  # the contracted network; its node k is original node ``kept[k]``
    kept: np.ndarray  # int64 (n_kept,) original id of each contracted node
    new_id: np.ndarray  # int64 (n_original,) contracted id, −1 for removed nodes
    removed: np.ndarray  # int64 (r,) original ids of the removed nodes, chain by chain, in chain order
    chain: np.ndarray  # int64 (r,) chain of each removed node
    tail: np.ndarray  # int64 (chains,) contracted id of each chain's tail end s
    head: np.ndarray  # int64 (chains,) contracted id of each chain's head end t
    to_head_min: np.ndarray  # float64 (r,) minutes from the node along the chain to t (inf: one-way the other way)
    to_tail_min: np.ndarray  # float64 (r,) minutes from the node to s (inf where not allowed)
    from_tail_min: np.ndarray  # float64 (r,) minutes from s to the node
    from_head_min: np.ndarray  # float64 (r,) minutes from t to the node
    to_head_m: np.ndarray  # float64 (r,) metres along the chain to t
    to_tail_m: np.ndarray  # float64 (r,) metres along the chain to s

    @property
    def n_removed(self) -> int:
        """Number of original nodes removed."""
        return int(self.removed.shape[0])


@njit(cache=True)
def _out_edge(indptr: np.ndarray, head: np.ndarray, u: int, v: int) -> int:
    """Index of the edge u → v, or −1."""
    for e in range(indptr[u], indptr[u + 1]):
        if head[e] == v:
            return e
    return -1


@njit(cache=True)
def _walk(indptr, head, minutes, length, nb_ptr, nb, removable):  # noqa: ANN001, ANN202 (numba kernel)
    """Walk every chain from a kept end: (removed nodes, chain id, s, t, per-node sums, chain edges)."""
    n = removable.shape[0]
    done = np.zeros(n, dtype=np.bool_)
    r_total = int(removable.sum())
    order = np.empty(r_total, dtype=np.int64)
    chain_of = np.empty(r_total, dtype=np.int64)
    to_head = np.full(r_total, np.inf)
    to_tail = np.full(r_total, np.inf)
    from_tail = np.full(r_total, np.inf)
    from_head = np.full(r_total, np.inf)
    to_head_m = np.zeros(r_total)
    to_tail_m = np.zeros(r_total)
    max_chains = r_total + 1
    c_s = np.empty(max_chains, dtype=np.int64)
    c_t = np.empty(max_chains, dtype=np.int64)
    c_fwd_min = np.full(max_chains, np.inf)
    c_back_min = np.full(max_chains, np.inf)
    c_len = np.zeros(max_chains)
    c_class_edge = np.full(max_chains, -1, dtype=np.int64)
    path = np.empty(r_total + 2, dtype=np.int64)
    top = 0
    n_chains = 0
    for s in range(n):
        if removable[s]:
            continue
        for k in range(nb_ptr[s], nb_ptr[s + 1]):
            v = nb[k]
            if not removable[v] or done[v] or v == s:
                continue
            # follow the chain s, v, ... until a kept node (or back to s on a ring)
            path[0] = s
            m = 1
            prev, cur = s, v
            while removable[cur] and not done[cur] and cur != s:
                done[cur] = True
                path[m] = cur
                m += 1
                a, b = nb[nb_ptr[cur]], nb[nb_ptr[cur] + 1]
                nxt = b if a == prev else a
                prev, cur = cur, nxt
            path[m] = cur
            t = cur
            # forward (s → t) and backward (t → s) sums, each added from the far end of the travel
            fwd_ok = True
            back_ok = True
            for i in range(m):
                if _out_edge(indptr, head, path[i], path[i + 1]) < 0:
                    fwd_ok = False
                if _out_edge(indptr, head, path[i + 1], path[i]) < 0:
                    back_ok = False
            # to_head: from node i to t, accumulated from t backwards; length likewise
            acc = 0.0
            acc_m = 0.0
            best_len = -1.0
            for i in range(m - 1, -1, -1):
                if fwd_ok:
                    e = _out_edge(indptr, head, path[i], path[i + 1])
                    acc += minutes[e]
                    acc_m += length[e]
                    if length[e] > best_len:
                        best_len = length[e]
                        c_class_edge[n_chains] = e
                else:
                    e = _out_edge(indptr, head, path[i + 1], path[i])
                    acc_m += length[e]
                    if length[e] > best_len:
                        best_len = length[e]
                        c_class_edge[n_chains] = e
                if i > 0:
                    j = top + i - 1
                    to_head_m[j] = acc_m
                    if fwd_ok:
                        to_head[j] = acc
            c_fwd_min[n_chains] = acc if fwd_ok else np.inf
            c_len[n_chains] = acc_m
            acc = 0.0
            acc_m = 0.0
            for i in range(1, m + 1):
                if back_ok:
                    e = _out_edge(indptr, head, path[i], path[i - 1])
                    acc += minutes[e]
                else:
                    e = _out_edge(indptr, head, path[i - 1], path[i])
                acc_m += length[e]
                if i < m:
                    j = top + i - 1
                    to_tail_m[j] = acc_m
                    if back_ok:
                        to_tail[j] = acc
            c_back_min[n_chains] = acc if back_ok else np.inf
            # from s to each node (added from s on), from t to each node (added from t on)
            acc = 0.0
            for i in range(1, m):
                if fwd_ok:
                    acc += minutes[_out_edge(indptr, head, path[i - 1], path[i])]
                    from_tail[top + i - 1] = acc
            acc = 0.0
            for i in range(m - 1, 0, -1):
                if back_ok:
                    acc += minutes[_out_edge(indptr, head, path[i + 1], path[i])]
                    from_head[top + i - 1] = acc
            for i in range(1, m):
                order[top + i - 1] = path[i]
                chain_of[top + i - 1] = n_chains
            c_s[n_chains] = s
            c_t[n_chains] = t
            top += m - 1
            n_chains += 1
    return (order[:top], chain_of[:top], to_head[:top], to_tail[:top], from_tail[:top], from_head[:top],
            to_head_m[:top], to_tail_m[:top], c_s[:n_chains], c_t[:n_chains], c_fwd_min[:n_chains],
            c_back_min[:n_chains], c_len[:n_chains], c_class_edge[:n_chains])


@njit(cache=True)
def _break_rings(nb_ptr, nb, removable):  # noqa: ANN001, ANN202 (numba kernel)
    """Keep two nodes (the first and the middle one) of every ring made only of removable nodes."""
    n = removable.shape[0]
    seen = np.zeros(n, dtype=np.bool_)
    for s in range(n):  # mark every removable node on a chain that leaves a kept node
        if removable[s]:
            continue
        for k in range(nb_ptr[s], nb_ptr[s + 1]):
            prev, cur = s, nb[k]
            while removable[cur] and not seen[cur]:
                seen[cur] = True
                a, b = nb[nb_ptr[cur]], nb[nb_ptr[cur] + 1]
                nxt = b if a == prev else a
                prev, cur = cur, nxt
    ring = np.empty(n, dtype=np.int64)
    for s in range(n):
        if not removable[s] or seen[s]:
            continue
        m = 0
        prev, cur = nb[nb_ptr[s] + 1], s
        while not seen[cur]:
            seen[cur] = True
            ring[m] = cur
            m += 1
            a, b = nb[nb_ptr[cur]], nb[nb_ptr[cur] + 1]
            nxt = b if a == prev else a
            prev, cur = cur, nxt
        removable[ring[0]] = False
        removable[ring[m // 2]] = False


def _removable(net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Removable nodes (bool, n) and the undirected distinct-neighbour lists (CSR pointer, neighbours)."""
    n = net.n_nodes
    tail, head = net.tail.astype(np.int64), net.head.astype(np.int64)
    und = np.unique(np.r_[tail * n + head, head * n + tail])
    a, b = und // n, und % n
    nb_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=nb_ptr[1:])
    deg = np.diff(nb_ptr)
    out_deg = np.diff(net.indptr)
    in_deg = np.bincount(head, minlength=n)
    two_way = (deg == 2) & (out_deg == 2) & (in_deg == 2)
    one_way = (deg == 2) & (out_deg == 1) & (in_deg == 1)
    if one_way.any():  # in from one neighbour, out to the other (not in and out with the same one)
        first_out = net.head[net.indptr[:-1].clip(max=max(net.n_edges - 1, 0))]
        in_from = np.full(n, -1, dtype=np.int64)
        in_from[head] = tail
        one_way &= first_out != in_from
    removable = two_way | one_way
    _break_rings(nb_ptr, b, removable)
    return removable, nb_ptr, b


def contract(net: Network) -> Contraction:
    """Contract the degree-2 chains of ``net`` (metres and minutes summed exactly along each chain).

    Returns a ``Contraction``: the smaller network, and per removed node its chain, ends and offsets
    (minutes and metres along the chain to and from each end).
    """
    t0 = time.perf_counter()
    removable, nb_ptr, nb = _removable(net)
    (order, chain_of, to_head, to_tail, from_tail, from_head, to_head_m, to_tail_m,
     c_s, c_t, c_fwd, c_back, c_len, c_edge) = _walk(
        net.indptr, net.head.astype(np.int64), net.minutes, net.length_m, nb_ptr, nb, removable)
    keep = np.ones(net.n_nodes, dtype=bool)
    keep[order] = False
    kept = np.flatnonzero(keep)
    new_id = np.full(net.n_nodes, -1, dtype=np.int64)
    new_id[kept] = np.arange(kept.shape[0])
    # edges between kept nodes stay; each chain adds s → t and/or t → s
    tail_o = net.tail.astype(np.int64)
    stay = keep[tail_o] & keep[net.head]
    fwd, back = np.isfinite(c_fwd), np.isfinite(c_back)
    tails = np.r_[new_id[tail_o[stay]], new_id[c_s[fwd]], new_id[c_t[back]]]
    heads = np.r_[new_id[net.head[stay]], new_id[c_t[fwd]], new_id[c_s[back]]]
    length = np.r_[net.length_m[stay], c_len[fwd], c_len[back]]
    minutes = np.r_[net.minutes[stay], c_fwd[fwd], c_back[back]]
    klass = np.r_[net.road_class[stay], net.road_class[c_edge[fwd]], net.road_class[c_edge[back]]]
    prov = {**net.provenance, "contracted": {
        "nodes_before": net.n_nodes, "edges_before": net.n_edges, "chains": int(c_s.shape[0]),
        "nodes_removed": int(order.shape[0]), "seconds": None}}
    small = assemble(
        net.lon[kept], net.lat[kept], tails, heads, length, minutes, klass, net.classes,
        directed=True, metric_crs=net.metric_crs, provenance=prov, keep_largest=False,
    )
    if small.n_nodes != kept.shape[0]:
        raise HealthplanError("contraction lost nodes; the network is not what assemble builds")
    small.provenance["contracted"]["seconds"] = round(time.perf_counter() - t0, 3)
    log.info("contracted %d → %d nodes (%d chains) in %.2f s", net.n_nodes, small.n_nodes, c_s.shape[0],
             time.perf_counter() - t0)
    return Contraction(
        original=net, net=small, kept=kept, new_id=new_id, removed=order, chain=chain_of,
        tail=new_id[c_s], head=new_id[c_t], to_head_min=to_head, to_tail_min=to_tail,
        from_tail_min=from_tail, from_head_min=from_head, to_head_m=to_head_m, to_tail_m=to_tail_m,
    )


def seeds(c: Contraction, source_nodes: ArrayLike, source_offset_min: ArrayLike | None = None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sources on the original network → seeds on the contracted one: (nodes, offsets in minutes, source index).

    A source on a kept node is that node; one on a removed node becomes its chain's ends, each with the
    minutes from that end to the source added to the offset (only ends from which the chain leads there).
    """
    src = np.atleast_1d(np.asarray(source_nodes, dtype=np.int64)).ravel()
    off = np.zeros(src.shape[0]) if source_offset_min is None else np.atleast_1d(
        np.asarray(source_offset_min, dtype=float)).ravel()
    pos = _position(c)
    idx = np.arange(src.shape[0])
    on_kept = c.new_id[src] >= 0
    p = pos[src[~on_kept]]
    i_r = idx[~on_kept]
    via_s = np.isfinite(c.from_tail_min[p])
    via_t = np.isfinite(c.from_head_min[p])
    nodes = np.r_[c.new_id[src[on_kept]], c.tail[c.chain[p[via_s]]], c.head[c.chain[p[via_t]]]]
    offsets = np.r_[off[on_kept], off[i_r[via_s]] + c.from_tail_min[p[via_s]],
                    off[i_r[via_t]] + c.from_head_min[p[via_t]]]
    which = np.r_[idx[on_kept], i_r[via_s], i_r[via_t]]
    # the search keeps the first listing on a tie: list seeds by source order so ties go as on the original
    o = np.lexsort((offsets, which))
    return nodes[o], offsets[o], which[o]


def _position(c: Contraction) -> np.ndarray:
    """Position of each original node in ``c.removed`` (−1 for kept nodes)."""
    pos = np.full(c.original.n_nodes, -1, dtype=np.int64)
    pos[c.removed] = np.arange(c.removed.shape[0])
    return pos


def expand(
    c: Contraction,
    per_kept_min: np.ndarray,
    per_kept_source: np.ndarray,
    *,
    source_nodes: ArrayLike = (),
    source_offset_min: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-contracted-node minutes (and nearest source) → the same for every node of the original network.

    A removed node's time is the better of going on along its chain to either end (plus that end's
    time) and, when a source lies on the same chain, reaching it along the chain directly.
    ``source_nodes``/``source_offset_min`` are the original sources (original node ids), as given to
    ``seeds``.  Returns (minutes float64 (n_original,), source index int32, −1 where unreached).
    """
    n = c.original.n_nodes
    out = np.full(n, np.inf)
    lab = np.full(n, -1, dtype=np.int32)
    out[c.kept] = per_kept_min
    lab[c.kept] = per_kept_source
    ch = c.chain
    t_min = c.to_head_min + per_kept_min[c.head[ch]]
    s_min = c.to_tail_min + per_kept_min[c.tail[ch]]
    use_t = t_min < s_min
    best = np.where(use_t, t_min, s_min)
    best_lab = np.where(use_t, per_kept_source[c.head[ch]], per_kept_source[c.tail[ch]])
    src = np.atleast_1d(np.asarray(source_nodes, dtype=np.int64)).ravel()
    if src.size and ch.size:
        off = np.zeros(src.shape[0]) if source_offset_min is None else np.atleast_1d(
            np.asarray(source_offset_min, dtype=float)).ravel()
        pos = _position(c)
        first = np.r_[0, np.flatnonzero(ch[1:] != ch[:-1]) + 1]
        last = np.r_[first[1:], ch.shape[0]]
        chain_start = np.zeros(int(ch.max()) + 1 if ch.size else 0, dtype=np.int64)
        chain_end = np.zeros_like(chain_start)
        chain_start[ch[first]], chain_end[ch[first]] = first, last
        for j in np.flatnonzero(pos[src] >= 0):
            p = pos[src[j]]
            a, b = chain_start[ch[p]], chain_end[ch[p]]
            i = np.arange(a, b)
            # nodes before the source reach it heading to t, nodes after it heading to s
            with np.errstate(invalid="ignore"):  # inf − inf on a one-way chain's closed direction: nan, never better
                direct = np.where(i <= p, c.to_head_min[i] - c.to_head_min[p],
                                  c.to_tail_min[i] - c.to_tail_min[p])
            direct = np.where(i == p, 0.0, direct) + off[j]
            better = direct < best[i]
            best[i[better]] = direct[better]
            best_lab[i[better]] = j
    best_lab = np.where(np.isfinite(best), best_lab, -1)
    out[c.removed] = best
    lab[c.removed] = best_lab
    return out, lab


def nearest_minutes(
    c: Contraction,
    source_nodes: ArrayLike,
    *,
    source_offset_min: ArrayLike | None = None,
    limit_min: float = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """``traveltime.nearest_minutes`` over the contracted network, expanded to every original node.

    Same arguments and result as ``traveltime.nearest_minutes(c.original, …)`` (original node ids),
    equal up to the rounding of the chain sums.
    """
    nodes, offsets, which = seeds(c, source_nodes, source_offset_min)
    per, lab = traveltime.nearest_minutes(c.net, nodes.astype(np.int32), source_offset_min=offsets,
                                          limit_min=limit_min)
    lab = np.where(lab >= 0, which[lab.clip(min=0)], -1).astype(np.int32)
    minutes, source = expand(c, per, lab, source_nodes=source_nodes, source_offset_min=source_offset_min)
    over = minutes > limit_min
    minutes[over] = np.inf
    source[over] = -1
    return minutes, source


__all__ = ["Contraction", "contract", "expand", "nearest_minutes", "seeds"]
