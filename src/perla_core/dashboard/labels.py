"""The Spanish the page shows: neutral (the page serves PerlaHub's staff in Spain and
MICROCOM's in Argentina), short, with a readable fallback for anything not listed."""

from __future__ import annotations

from typing import Final

AREAS: Final[dict[str, str]] = {
    "assistant": "Asistente",
    "catalogue": "Catálogo",
    "campaigns": "Campañas",
    "conversations": "WhatsApp",
    "credentials": "Credenciales",
    "customers": "Clientes",
    "inquiries": "Consultas",
    "managers": "Ejecutivos",
    "onboarding": "Alta de clientes",
    "orders": "Pedidos",
    "policies": "Políticas comerciales",
    "suppliers": "Proveedores",
}

EVENTS: Final[dict[str, str]] = {
    "assistant.change_applied": "Cambio aplicado desde el asistente",
    "assistant.change_refused": "Cambio del asistente no aplicado",
    "onboarding.lead_registered": "Nuevo lead registrado",
    "onboarding.lead_status_changed": "Un lead cambió de estado",
    "onboarding.lead_converted": "Un lead pasó a cliente",
    "onboarding.details_changed": "Datos de un cliente actualizados",
    "onboarding.benchmark_access_requested": "Acceso de prueba solicitado",
    "onboarding.benchmark_access_opened": "Acceso de prueba abierto",
    "onboarding.registration_requested": "Alta en los sistemas solicitada",
    "onboarding.registration_recorded": "Alta en los sistemas registrada",
    "onboarding.registration_failed": "El alta en los sistemas falló",
    "onboarding.client_status_changed": "Un cliente cambió de estado",
    "onboarding.technical_validation_recorded": "Validación técnica registrada",
    "inquiries.inquiry_registered": "Nueva consulta",
    "inquiries.guest_message_received": "Mensaje recibido en una consulta",
    "inquiries.stage_changed": "Una consulta cambió de etapa",
    "inquiries.quote_sent": "Presupuesto enviado",
    "inquiries.inquiry_assigned": "Consulta asignada",
    "inquiries.email_sent": "Correo enviado",
    "inquiries.email_queued": "Correo en cola",
    "inquiries.call_logged": "Llamada registrada",
    "inquiries.note_added": "Nota añadida a una consulta",
    "inquiries.reminder_scheduled": "Recordatorio programado",
    "inquiries.reminder_sent": "Recordatorio enviado",
    "orders.order_created": "Nuevo pedido",
    "orders.order_placed": "Pedido realizado",
    "orders.order_summary_sent": "Resumen de pedido enviado",
    "orders.order_confirmed": "Pedido confirmado",
    "orders.order_pre_invoiced": "Pedido prefacturado",
    "orders.order_recorded": "Pedido registrado en el sistema de gestión",
    "orders.order_paid": "Pedido pagado",
    "orders.order_invoiced": "Pedido facturado",
    "orders.order_completed": "Pedido completado",
    "orders.order_cancelled": "Pedido cancelado",
    "orders.order_expired": "Pedido vencido",
    "orders.payment_recorded": "Pago registrado",
    "orders.cart_opened": "Carrito abierto",
    "orders.cart_converted": "Carrito convertido en pedido",
    "orders.cart_abandoned": "Carrito abandonado",
    "conversations.message_queued": "Mensaje de WhatsApp enviado",
    "conversations.handoff_requested": "Conversación derivada a un ejecutivo",
    "conversations.taken_over": "Un ejecutivo tomó una conversación",
    "conversations.handed_back": "Conversación devuelta al bot",
    "conversations.contact_opted_out": "Un contacto pidió la baja",
    "conversations.survey_started": "Encuesta iniciada",
    "conversations.survey_finished": "Encuesta completada",
    "credentials.credential_issued": "Credencial emitida",
    "credentials.credential_revoked": "Credencial revocada",
    "customers.customer_account_opened": "Cuenta de cliente abierta",
    "managers.manager_created": "Nuevo ejecutivo de cuenta",
    "catalogue.price_changed": "Precio actualizado",
    "catalogue.stock_changed": "Stock actualizado",
    "catalogue.product_changed": "Producto actualizado",
    "suppliers.supplier_request_sent": "Solicitud enviada a un proveedor",
    "policies.policy_created": "Política comercial creada",
    "campaigns.run_changed": "Una campaña cambió de estado",
    "credentials.connection_tested": "Conexión de una credencial probada",
    "credentials.credential_edited": "Credencial modificada",
    "credentials.credential_reactivated": "Credencial reactivada",
    "credentials.credential_secret_rotated": "Secreto de una credencial renovado",
    "credentials.credential_suspended": "Credencial suspendida",
    "customers.customer_account_updated": "Cuenta de cliente actualizada",
    "customers.customer_group_changed": "Grupo de clientes modificado",
    "customers.customer_group_created": "Grupo de clientes creado",
    "customers.customer_group_deleted": "Grupo de clientes eliminado",
    "customers.customer_manager_assigned": "Ejecutivo asignado a un cliente",
    "customers.title_changed": "Cargo modificado",
    "customers.title_created": "Cargo creado",
    "customers.title_deleted": "Cargo eliminado",
    "inquiries.inquiry_details_updated": "Datos de una consulta actualizados",
    "inquiries.reminder_cancelled": "Recordatorio cancelado",
    "inquiries.reminder_unscheduled": "Recordatorio desprogramado",
    "inquiries.reminders_due": "Recordatorios pendientes de envío",
    "inquiries.unmatched_email_attached": "Correo sin asignar vinculado a una consulta",
    "inquiries.unmatched_email_discarded": "Correo sin asignar descartado",
    "inquiries.unmatched_email_kept": "Correo sin asignar en espera",
    "managers.manager_activated": "Ejecutivo reactivado",
    "managers.manager_deactivated": "Ejecutivo desactivado",
    "managers.manager_updated": "Datos de un ejecutivo actualizados",
    "orders.order_financing_chosen": "Financiación elegida para un pedido",
    "orders.order_lines_changed": "Líneas de un pedido modificadas",
    "orders.order_manager_assigned": "Ejecutivo asignado a un pedido",
    "orders.order_repriced": "Pedido con precios actualizados",
    "policies.change_scheduled": "Cambio de política programado",
    "policies.priced_scope_changed": "Alcance de precios modificado",
    "policies.rule_added": "Regla de margen añadida",
    "policies.rule_changed": "Regla de margen modificada",
    "policies.rule_disabled": "Regla de margen desactivada",
    "policies.rule_enabled": "Regla de margen activada",
    "policies.rule_removed": "Regla de margen eliminada",
    "policies.scheduled_change_applied": "Cambio programado aplicado",
    "policies.scheduled_change_cancelled": "Cambio programado cancelado",
    "policies.scheduled_change_failed": "Cambio programado fallido",
    "suppliers.supplier_request_acknowledged": "Un proveedor confirmó una solicitud",
    "suppliers.supplier_request_cancelled": "Solicitud a proveedor cancelada",
    "suppliers.supplier_request_created": "Solicitud a proveedor creada",
    "suppliers.supplier_request_rejected": "Un proveedor rechazó una solicitud",
    "suppliers.supplier_request_send_requested": "Envío de solicitud a proveedor pedido",
    "suppliers.supplier_request_updated": "Solicitud a proveedor actualizada",
}

LEAD_STATUSES: Final[dict[str, str]] = {
    "new": "Nuevo",
    "contacted": "Contactado",
    "meeting_held": "Reunión realizada",
    "benchmark_access": "Acceso de prueba",
    "won": "Ganado",
    "lost": "Perdido",
}

CLIENT_STATUSES: Final[dict[str, str]] = {
    "pending_registration": "Alta pendiente",
    "registered_in_dome": "Registrado en Dome",
    "registered": "Registrado",
    "validated": "Validado",
    "onboarding": "En puesta en marcha",
    "live": "Activo",
    "dormant": "Inactivo",
    "churned": "Perdido",
}

HANDOFFS: Final[dict[str, str]] = {
    "talk_to_person": "Pidió hablar con una persona",
    "processing_failed": "Error del bot",
    "operator": "Tomada por un ejecutivo",
}


def _readable(code: str) -> str:
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def event_label(topic: str) -> str:
    """What ``topic`` (an outbox topic such as ``orders.order_placed``) means, in Spanish."""
    known = EVENTS.get(topic)
    if known is not None:
        return known
    area, _, name = topic.partition(".")
    return f"{AREAS.get(area, _readable(area))}: {_readable(name or area)}"


def pipeline_label(phase: str, status: str) -> str:
    """A pipeline row's name: the status of a lead or of a client."""
    names = LEAD_STATUSES if phase == "lead" else CLIENT_STATUSES
    prefix = "Lead" if phase == "lead" else "Cliente"
    return f"{prefix} · {names.get(status, _readable(status))}"


def handoff_label(reason: str) -> str:
    return HANDOFFS.get(reason, _readable(reason))
