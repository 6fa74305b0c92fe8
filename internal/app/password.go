package app

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// minPasswordLength is the shortest dashboard password hash-password
// takes: the dashboard faces the internet.
const minPasswordLength = 10

// HashPassword returns the bcrypt hash of the dashboard password for
// http.admin_password_hash, or says why the password will not do. readErr
// is what reading it returned, named when nothing was read.
func HashPassword(password string, readErr error) (string, error) {
	switch {
	case password == "" && readErr != nil:
		return "", fmt.Errorf("no password on stdin (%w)", readErr)
	case password == "":
		return "", errors.New("no password on stdin")
	case len(password) < minPasswordLength:
		return "", fmt.Errorf("use at least %d characters", minPasswordLength)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(hash), err
}
