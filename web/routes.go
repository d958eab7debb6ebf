package web

import (
	"net/http"
)

// routes registers every route with who may use it. The route × role
// tests read this table through the mux, so a route added here is
// covered by them once it is listed in the tests' table too.
func (s *Server) routes() {
	// Open to anyone.
	s.handle("GET /healthz", public, s.healthz)
	s.handle("GET /metrics", public, s.metrics)
	s.handle("GET /static/", public, s.static.ServeHTTP)
	s.handle("GET /login", public, s.loginForm)
	s.handle("POST /login", public, s.login)

	// The console.
	s.handle("GET /{$}", staff, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/articles", http.StatusSeeOther)
	})
	s.handle("POST /logout", staff, s.logout)
	s.handle("GET /articles", staff, s.articlesPage)
	s.handle("POST /articles/parse", staff, s.parsePage)
	s.handle("POST /articles/import", staff, s.importPage)
	s.handle("POST /articles/{id}/edit", staff, s.editArticle)
	s.handle("POST /articles/{id}/withdraw", staff, s.withdrawArticle)
	s.handle("GET /preview", staff, s.previewPage)
	s.handle("GET /preview/card.png", staff, s.previewCard)
	s.handle("POST /approvals", staff, s.approvePage)
	s.handle("GET /push", staff, s.pushPage)
	s.handle("POST /push", staff, s.push)
	s.handle("GET /subscriptions", staff, s.subscriptionsPage)
	s.handle("POST /subscriptions", admin, s.subscribe)
	s.handle("POST /subscriptions/{id}/{verb}", admin, s.changeSubscription)
	s.handle("GET /deliveries", staff, s.deliveriesPage)
	s.handle("POST /deliveries/{id}/retry", staff, s.retryDelivery)
	s.handle("GET /sources", staff, s.sourcesPage)
	s.handle("POST /sources/{verb}", admin, s.enableSource)
	s.handle("GET /roles", admin, s.rolesPage)
	s.handle("POST /roles/{verb}", admin, s.changeRole)
	s.handle("GET /users", admin, s.usersPage)
	s.handle("POST /users/{verb}", admin, s.changeUser)
	s.handle("GET /audit", staff, s.auditPage)
	s.handle("GET /bot-login", admin, s.botLoginPage)
	s.handle("GET /bot-login/qr.png", admin, s.botLoginQR)

	// The JSON API.
	s.handle("POST /api/pages", staff, s.apiImportPage)
	s.handle("GET /api/articles", staff, s.apiArticles)
	s.handle("PATCH /api/articles/{id}", staff, s.apiEditArticle)
	s.handle("DELETE /api/articles/{id}", staff, s.apiWithdrawArticle)
	s.handle("GET /api/digest", staff, s.apiDigest)
	s.handle("GET /api/subscriptions", staff, s.apiSubscriptions)
	s.handle("POST /api/subscriptions", admin, s.apiSubscribe)
	s.handle("DELETE /api/subscriptions", admin, s.apiUnsubscribe)
	s.handle("GET /api/deliveries", staff, s.apiDeliveries)
	s.handle("POST /api/approvals", staff, s.apiApprove)
	s.handle("/api/", public, func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "没有这个接口", "no such API route")
	})
	s.handle("/", public, func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "没有这个页面", "not found")
	})
}
