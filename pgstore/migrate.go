package pgstore

// SearchTokens returns what the store keeps in the tokens column of an
// article with this title and body (the distinct search tokens Search
// looks up), for a program that writes article rows itself: wxdigest
// migrate copies a SQLite store's rows as they are and fills the column
// with this. A withdrawn article keeps none ('{}').
func (s *Store) SearchTokens(title, body string) []string {
	return articleTokens(title, body)
}
