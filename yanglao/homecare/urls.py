from django.urls import path

from . import views

app_name = "homecare"

urlpatterns = [
    path("", views.home, name="home"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/new/", views.item_create, name="item_create"),
    path("catalogue/<int:pk>/", views.item_detail, name="item"),
    path("catalogue/<int:pk>/publish/", views.item_publish, name="item_publish"),
    path("providers/", views.providers, name="providers"),
    path("providers/new/", views.provider_create, name="provider_create"),
    path("providers/<int:pk>/", views.provider_detail, name="provider"),
    path("orders/", views.orders, name="orders"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/dispatch/", views.order_dispatch, name="order_dispatch"),
    path("orders/<int:pk>/accept/", views.order_accept, name="order_accept"),
    path("orders/<int:pk>/decline/", views.order_decline, name="order_decline"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/rate/", views.order_rate, name="order_rate"),
    path("orders/<int:pk>/complaint/", views.complaint_create, name="complaint_create"),
    path("hotline/", views.hotline, name="hotline"),
    path("mine/", views.my_orders, name="my_orders"),
    path("mine/<int:pk>/", views.serve, name="serve"),
    path("plans/", views.plans, name="plans"),
    path("homes/<int:person_id>/", views.home_location, name="home_location"),
    path("complaints/", views.complaints, name="complaints"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("settlements/", views.settlements, name="settlements"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement"),
    path("settlements/<int:pk>/approve/", views.settlement_approve, name="settlement_approve"),
    path("settlements/<int:pk>/cancel/", views.settlement_cancel, name="settlement_cancel"),
    path("settlements/<int:pk>/export.xlsx", views.settlement_export, name="settlement_export"),
    path("facilities/", views.facilities, name="facilities"),
    path("facilities/new/", views.facility_create, name="facility_create"),
    path("coverage/", views.coverage, name="coverage"),
    path("meals/", views.meals, name="meals"),
    path("meals/topup/", views.meal_topup, name="meal_topup"),
    path("meals/<int:pk>/", views.meal_receipt, name="meal_receipt"),
]
