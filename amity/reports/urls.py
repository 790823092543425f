from django.urls import path

from amity.reports import views, views_documents

app_name = "reports"

# The dashboard, one figure's list, and their exports (views).
urlpatterns: list = [
    path("", views.dashboard, name="dashboard"),
    path("figures.<str:fmt>", views.export_all, name="export_all"),
    path("figures/<str:key>/", views.figure, name="figure"),
    path("figures/<str:key>/items.<str:fmt>", views.export_items, name="export_items"),
]

# The world map, the annual report and the news drafts (views_documents).
urlpatterns += [
    path("map/", views_documents.map_page, name="map"),
    path("annual/", views_documents.annual_page, name="annual"),
    path("annual/<int:year>/", views_documents.annual_page, name="annual_year"),
    path("annual/<int:year>.docx", views_documents.annual_docx, name="annual_docx"),
    path("annual/<int:year>.pdf", views_documents.annual_pdf, name="annual_pdf"),
    path("news/", views_documents.news_period, name="news"),
    path("news.txt", views_documents.news_text, name="news_text"),
    path("news/<slug:kind>/<str:key>/", views_documents.news_record, name="news_record"),
    path("news/<slug:kind>/<str:key>.txt", views_documents.news_text, name="news_record_text"),
]
