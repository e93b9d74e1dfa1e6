from django.http import HttpRequest, HttpResponse


def front_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Sundhedsaftale")
