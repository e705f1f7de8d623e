"""State changes on tournaments (``tournaments``) and contests (``contests``). Each action runs in one transaction, re-checks its
preconditions inside it, writes an audit entry naming the actor and notifies through the outbox (sent
only on commit). Refusals are ``ValidationError`` (keyed by field where there is one); a permission
refusal is ``PermissionDenied`` (the pages and the API answer 404); a change someone else made first is
a ``Conflict`` (409).

Tournaments: create (draft) → open registration → add entrants (seeds) → draw the groups (seeded
snake) → generate the schedule (round robin per group, or the bracket) → record results. A finished
group stage seeds the bracket (group winners against runners-up of other groups); a knockout result
sends the winner on; the final finishes the tournament; publishing makes the results public.

Locks (one per transaction, taken before anything is counted):

- Recording a result locks the tournament's row: results of one tournament are entered one after the
  other, so "was this the last group match?", "has the next round been played?" and the move into the
  next match are decided on what is really there. The match itself is a compare-and-set on its
  ``version``: of two people entering the same match, one wins and the other is told (``MatchConflict``).
- Adding entrants, the draw and the schedule lock the tournament's row too (and the draw and the
  schedule are a compare-and-set on its version).
- Opening and closing a round lock the contest's row, then the round's (always in that order); a
  judge's score locks the round's row: a score entered while the round is being closed either counts
  (it came first) or is refused (the round is closed).

Corrections: a result may be corrected until the results are published. A knockout result whose winner
changes is corrected only while the next match is not played (the new winner takes the place); a group
result only while no knockout match is played (the bracket is drawn again from the corrected tables).
"""

from .common import Conflict, ContestConflict, MatchConflict, contest_link, tournament_link
from .contests import (
    add_entry,
    add_judge,
    add_round,
    close_round,
    create_contest,
    enter_score,
    enter_scores,
    may_judge,
    open_round,
    publish_contest,
    remove_entry,
    remove_judge,
)
from .tournaments import (
    add_entrant,
    create_tournament,
    draw_groups,
    eligible,
    generate_schedule,
    open_registration,
    publish_tournament,
    record_result,
    record_walkover,
    remove_entrant,
    seed_order,
    set_seed,
)

__all__ = [
    "Conflict",
    "ContestConflict",
    "MatchConflict",
    "add_entrant",
    "add_entry",
    "add_judge",
    "add_round",
    "close_round",
    "contest_link",
    "create_contest",
    "create_tournament",
    "draw_groups",
    "eligible",
    "enter_score",
    "enter_scores",
    "generate_schedule",
    "may_judge",
    "open_registration",
    "open_round",
    "publish_contest",
    "publish_tournament",
    "record_result",
    "record_walkover",
    "remove_entrant",
    "remove_entry",
    "remove_judge",
    "seed_order",
    "set_seed",
    "tournament_link",
]
