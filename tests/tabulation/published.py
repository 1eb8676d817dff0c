"""Published examples beyond skating-examples.json: TSO Beispiel N and P.

DTV Turnier- und Sportordnung, Anhang 2 'Skating-System', Beispiele N and P: 5 dances x 5 judges
x 6 couples, transcribed in sdobber/BallroomSkatingSystem.jl test/runtests.jl @d7b7f0f (the two
"Rule 11b" sets, couples 26-76 and 27-77; skating-examples.json names that file as holding M,
N and P, and M is its "Rule 11a-d" set, so 26-76 is N by elimination); P also in fellmann/jUdge
test/de/fellmann/judge/skating/CalculatorTest.java (BEISPIEL_P and BEISPIEL_P_RESULT, which
gives the per-dance places below). Published result for both: couples in number order, 1st-6th.
"""

from __future__ import annotations

from .helpers import by_judge

N_COUPLES = ["26", "36", "46", "56", "66", "76"]
TSO_N = {
    "W": by_judge(
        N_COUPLES,
        A=[1, 2, 3, 4, 6, 5],
        B=[1, 2, 3, 5, 6, 4],
        C=[2, 5, 6, 3, 1, 4],
        D=[5, 2, 3, 1, 4, 6],
        E=[3, 5, 6, 1, 4, 2],
    ),
    "T": by_judge(
        N_COUPLES,
        A=[1, 5, 4, 3, 2, 6],
        B=[2, 3, 4, 1, 5, 6],
        C=[2, 1, 4, 3, 5, 6],
        D=[3, 2, 4, 1, 5, 6],
        E=[4, 2, 1, 3, 5, 6],
    ),
    "V": by_judge(
        N_COUPLES,
        A=[1, 2, 3, 4, 5, 6],
        B=[1, 3, 4, 5, 2, 6],
        C=[1, 4, 5, 6, 2, 3],
        D=[1, 5, 6, 2, 3, 4],
        E=[1, 6, 2, 3, 4, 5],
    ),
    "S": by_judge(
        N_COUPLES,
        A=[1, 5, 2, 3, 4, 6],
        B=[1, 6, 2, 3, 5, 4],
        C=[2, 3, 5, 1, 4, 6],
        D=[5, 2, 1, 3, 4, 6],
        E=[2, 3, 5, 6, 1, 4],
    ),
    "Q": by_judge(
        N_COUPLES,
        A=[1, 3, 2, 5, 6, 4],
        B=[5, 2, 6, 1, 3, 4],
        C=[1, 4, 2, 5, 3, 6],
        D=[5, 2, 6, 1, 4, 3],
        E=[2, 4, 1, 3, 5, 6],
    ),
}
P_COUPLES = ["27", "37", "47", "57", "67", "77"]
TSO_P = {
    "W": by_judge(
        P_COUPLES,
        A=[2, 3, 4, 1, 6, 5],
        B=[2, 3, 5, 1, 6, 4],
        C=[5, 6, 3, 2, 1, 4],
        D=[2, 3, 1, 5, 4, 6],
        E=[5, 6, 1, 3, 4, 2],
    ),
    "T": by_judge(
        P_COUPLES,
        A=[1, 3, 2, 4, 6, 5],
        B=[2, 1, 5, 4, 6, 3],
        C=[2, 3, 5, 4, 6, 1],
        D=[3, 1, 5, 4, 6, 2],
        E=[4, 3, 5, 1, 6, 2],
    ),
    "V": by_judge(
        P_COUPLES,
        A=[1, 2, 3, 4, 5, 6],
        B=[1, 3, 4, 5, 2, 6],
        C=[1, 4, 5, 6, 2, 3],
        D=[1, 5, 6, 2, 3, 4],
        E=[1, 6, 2, 3, 4, 5],
    ),
    "S": by_judge(
        P_COUPLES,
        A=[3, 1, 4, 5, 2, 6],
        B=[3, 1, 5, 6, 2, 4],
        C=[1, 2, 4, 3, 5, 6],
        D=[3, 5, 4, 2, 1, 6],
        E=[6, 2, 1, 3, 5, 4],
    ),
    "Q": by_judge(
        P_COUPLES,
        A=[2, 4, 1, 6, 5, 3],
        B=[6, 4, 5, 3, 1, 2],
        C=[2, 6, 1, 3, 5, 4],
        D=[6, 3, 5, 4, 1, 2],
        E=[1, 6, 2, 5, 4, 3],
    ),
}
# jUdge BEISPIEL_P_RESULT, per couple: places in the five dances.
P_PER_DANCE = {
    "27": [2, 1, 1, 3, 2],
    "37": [4, 3, 4, 1, 6],
    "47": [3, 5, 4, 5, 1],
    "57": [1, 4, 4, 4, 5],
    "67": [5, 6, 2, 2, 4],
    "77": [6, 2, 6, 6, 3],
}
