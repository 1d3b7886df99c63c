from django.shortcuts import render


def approval_queue(request):
    return render(request, "communications/approval_queue.html")


def my_drafts(request):
    return render(request, "communications/my_drafts.html")
