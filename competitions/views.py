from django.http import Http404
from django.shortcuts import render

from competitions.models import Competition
from competitions.selectors import competition_get_public, competition_list_public


def home(request):
    return render(request, "competitions/home.html", {"competitions": competition_list_public()})


def competition_detail(request, slug: str):
    try:
        competition = competition_get_public(slug=slug)
    except Competition.DoesNotExist:
        raise Http404("No such competition.") from None
    return render(request, "competitions/competition_detail.html", {"competition": competition})
