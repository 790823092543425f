"""The overview page: what the signed-in person may see, counted, and what comes next."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from amity.home.selectors import home_summary


@login_required
def home(request):
    return render(request, "home/home.html", home_summary(user=request.user))
